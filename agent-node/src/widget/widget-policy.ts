import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { WidgetHours, WidgetSettings } from '@enclave/node-protocol';
import { NODE_ERROR, NodeError } from '../http/node-error';
import { safeEqual } from '../http/safe-equal';

/**
 * Who may call the widget endpoints: the panel itself (the node's own origin, inside a frame
 * only allowed sites may embed) and the allowed sites. A request with another `Origin` is a 403;
 * one without (`GET` from the panel's own page) relies on the unguessable conversation id.
 */
export function requireOrigin(
  req: IncomingMessage,
  settings: WidgetSettings,
  nodeOrigin: string,
  { required }: { required: boolean },
): void {
  const origin = req.headers.origin;
  if (origin === undefined) {
    if (required) throw new NodeError(NODE_ERROR.forbidden, 'this origin may not use the widget');
    return;
  }
  if (origin !== nodeOrigin && !settings.allowedOrigins.includes(origin))
    throw new NodeError(NODE_ERROR.forbidden, 'this origin may not use the widget');
}

/** HMAC-SHA256(user_id, widget secret), hex: what the customer's server computes for its page. */
export function identityHash(userId: string, secret: string): string {
  return createHmac('sha256', secret).update(userId).digest('hex');
}

/**
 * Identity verification, when on, holds for every conversation (not only when a user is set):
 * no user id or a wrong hash is a 403; a missing secret on the node fails closed.
 */
export function verifiedUser(
  settings: WidgetSettings,
  secret: string | undefined,
  identity: { userId: string; userHash: string } | undefined,
): string | null {
  if (!settings.identityVerification) return null;
  if (!identity)
    throw new NodeError(NODE_ERROR.forbidden, 'identity verification is required', { reason: 'identity_required' });
  if (!secret || !safeEqual(identityHash(identity.userId, secret), identity.userHash.toLowerCase()))
    throw new NodeError(NODE_ERROR.forbidden, 'the identity hash does not match', { reason: 'identity_invalid' });
  return identity.userId;
}

/** Whether the widget is within its opening hours at `now` (no hours: always open). */
export function isOpen(hours: WidgetHours | null, now = new Date()): boolean {
  if (!hours) return true;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: hours.timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(now);
  } catch {
    return true; // an unknown time zone never locks visitors out
  }
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  const time = `${get('hour')}:${get('minute')}`;
  return hours.days.some((d) => d.day === day && d.open <= time && time < d.close);
}
