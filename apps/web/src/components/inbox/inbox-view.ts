import type { ListFilter } from '../../node/inbox-api';
import type { ChannelType, ConversationHandler, ConversationSummary } from '../../node/protocol';

/**
 * What the inbox shows, kept in the URL (`?status=pending&mine=1&conversation=…`) so a view can be
 * reloaded, shared with a teammate and opened by a browser test directly.
 */
export interface InboxView {
  status: ListFilter['status'];
  handler?: ConversationHandler;
  channel?: ChannelType;
  tag?: string;
  q?: string;
  mine: boolean;
  trash: boolean;
  conversationId: string | null;
}

export const STATUS_TABS = ['open', 'pending', 'snoozed', 'resolved', 'all'] as const;
const HANDLERS: readonly string[] = ['agent', 'human'];
const CHANNELS: readonly string[] = ['telegram', 'whatsapp', 'web', 'api'];

export function readView(params: URLSearchParams): InboxView {
  const status = params.get('status');
  const handler = params.get('handler');
  const channel = params.get('channel');
  return {
    status: (STATUS_TABS as readonly string[]).includes(status ?? '') ? (status as InboxView['status']) : 'open',
    handler: handler && HANDLERS.includes(handler) ? (handler as ConversationHandler) : undefined,
    channel: channel && CHANNELS.includes(channel) ? (channel as ChannelType) : undefined,
    tag: params.get('tag')?.trim() || undefined,
    q: params.get('q')?.trim() || undefined,
    mine: params.get('mine') === '1',
    trash: params.get('trash') === '1',
    conversationId: params.get('conversation'),
  };
}

/** The node's list filter for a view; the trash shows every status. */
export function listFilter(view: InboxView, myUserId: string): ListFilter {
  return {
    status: view.trash ? 'all' : view.status,
    handler: view.handler,
    channel: view.channel,
    tag: view.tag,
    q: view.q,
    assignee: view.mine ? myUserId : undefined,
    trash: view.trash ? '1' : undefined,
  };
}

/** The same search parameters with one changed (an empty value removes it). */
export function withParam(params: URLSearchParams, key: string, value: string | null): URLSearchParams {
  const next = new URLSearchParams(params);
  if (value) next.set(key, value);
  else next.delete(key);
  return next;
}

export function contactName(conversation: ConversationSummary): string {
  return conversation.contact.name ?? conversation.contact.handle ?? 'Unknown contact';
}

export const CHANNEL_LABELS: Record<ChannelType, string> = {
  telegram: 'Telegram',
  whatsapp: 'WhatsApp',
  web: 'Website',
  api: 'Chat API',
};

export const CONVERSATION_STATUS_COLORS: Record<ConversationSummary['status'], string> = {
  open: 'blue',
  pending: 'orange',
  snoozed: 'grape',
  resolved: 'green',
};

/** "14:05" today, "Mar 3" this year, "Mar 3, 2025" before. */
export function formatWhen(iso: string, now = new Date()): string {
  const at = new Date(iso);
  if (at.toDateString() === now.toDateString())
    return at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const sameYear = at.getFullYear() === now.getFullYear();
  return at.toLocaleDateString([], { month: 'short', day: 'numeric', year: sameYear ? undefined : 'numeric' });
}
