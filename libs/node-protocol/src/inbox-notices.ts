import * as z from 'zod/mini';

/**
 * Inbox actions the control plane must know of: handoffs (it notifies the team) and trash,
 * restore and erase (it audits them). Ids and counts only — never a message or a name. `id` is
 * the node's outbox sequence: the control plane processes each id once.
 */
export const inboxNoticeSchema = z.strictObject({
  id: z.int().check(z.positive()),
  type: z.enum(['handoff_requested', 'conversation_trashed', 'conversation_restored', 'conversation_erased']),
  conversationId: z.string().check(z.minLength(1), z.maxLength(64)),
  /** The team member who acted (control-plane user id); null when the agent or the node did. */
  actorUserId: z.nullable(z.string().check(z.maxLength(64))),
  /** Messages erased (conversation_erased). */
  messages: z.nullable(z.int().check(z.nonnegative())),
  at: z.string(),
});
export type InboxNotice = z.infer<typeof inboxNoticeSchema>;
