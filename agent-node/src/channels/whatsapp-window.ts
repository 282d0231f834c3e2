import type { WhatsAppWindowTemplate } from '@enclave/node-protocol';
import type { ChannelRow } from '../storage/config.repository';

/**
 * WhatsApp's customer-service window: the Cloud API takes free-form messages only within 24 hours
 * of the user's last message (later ones are refused with error 131047); outside it, only an
 * approved template may start the conversation again. Every outbound message of the node — the
 * agent's replies, people's replies from the inbox, handoff and hand-back notices — goes through
 * `ChannelGateway.send`, which asks this rule first, so no sender can bypass it.
 */
export const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The Graph API error code of a free-form message outside the window ("Re-engagement message"). */
export const WINDOW_CLOSED_ERROR = 131047;

/** What the rule needs to know of a conversation (times in epoch ms). */
export interface WindowState {
  /** The user's last message, by the provider's own timestamp; null if they never wrote. */
  readonly lastInboundAt: number | null;
  /** When the channel's window template last went out to this conversation. */
  readonly windowTemplateAt: number | null;
}

/** `text`: send as written; `template`: send the channel's template instead; `nothing`: record `window_closed`. */
export type WindowPlan =
  | { readonly send: 'text' }
  | { readonly send: 'template'; readonly template: WhatsAppWindowTemplate }
  | { readonly send: 'nothing' };

export function windowOpen(state: WindowState, now: number): boolean {
  return state.lastInboundAt !== null && now - state.lastInboundAt < WHATSAPP_WINDOW_MS;
}

/** The plan for one outbound message on `channel`. Telegram has no such window. */
export function planSend(channel: ChannelRow, state: WindowState, now: number): WindowPlan {
  if (channel.type !== 'whatsapp' || windowOpen(state, now)) return { send: 'text' };
  return whenClosed(channel, state, now);
}

/**
 * The window is closed (by the timestamps, or the Cloud API said 131047): the template, once per
 * closed window — not again while one sent since the user's last message is under 24 h old, so a
 * burst of queued messages (a handoff notice, then a team reply) sends one template, not several.
 */
export function whenClosed(channel: ChannelRow, state: WindowState, now: number): WindowPlan {
  const template = channel.type === 'whatsapp' ? channel.settings.windowTemplate : undefined;
  if (!template) return { send: 'nothing' };
  const sentAt = state.windowTemplateAt;
  const recentTemplate = sentAt !== null && sentAt >= (state.lastInboundAt ?? 0) && now - sentAt < WHATSAPP_WINDOW_MS;
  return recentTemplate ? { send: 'nothing' } : { send: 'template', template };
}
