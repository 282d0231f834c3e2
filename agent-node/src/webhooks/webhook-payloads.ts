import type { WebhookEventType } from '@enclave/node-protocol';
import type { ConversationFacts, MessageFacts } from './webhook.repository';

/**
 * The bodies receivers get (documented in docs/webhooks.md): `{ type, timestamp, data }` as the
 * Standard Webhooks spec suggests, small, with the conversation's facts and, for message
 * events, the message. Built once when the event is fanned out; every attempt sends the same.
 */
export interface WebhookPayload {
  readonly type: WebhookEventType;
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
}

/** The pre-chat answers a widget visitor gave (lead.created). */
export interface LeadFields {
  readonly name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

function conversationData(c: ConversationFacts) {
  return {
    id: c.id,
    channelId: c.channelId,
    channelType: c.channelType,
    status: c.status,
    handler: c.handler,
    contact: { name: c.contactName, handle: c.contactHandle },
    createdAt: iso(c.createdAt),
  };
}

function messageData(m: MessageFacts) {
  return {
    id: m.id,
    direction: m.direction,
    kind: m.kind,
    text: m.text,
    from: m.direction === 'in' ? 'contact' : m.authorId ? 'team' : 'agent',
    createdAt: iso(m.createdAt),
  };
}

/** The payload of one event, or undefined when what it speaks of is gone (erased meanwhile). */
export function buildPayload(
  type: WebhookEventType,
  at: number,
  conversation: ConversationFacts | undefined,
  message: MessageFacts | undefined,
  lead: LeadFields | undefined,
): WebhookPayload | undefined {
  if (!conversation) return undefined;
  const data: Record<string, unknown> = { conversation: conversationData(conversation) };
  if (type === 'message.received' || type === 'message.sent') {
    if (!message) return undefined;
    data.message = messageData(message);
  }
  if (type === 'lead.created') {
    if (!lead) return undefined;
    data.lead = lead;
  }
  return { type, timestamp: iso(at), data };
}
