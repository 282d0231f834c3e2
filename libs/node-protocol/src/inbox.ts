import * as z from 'zod/mini';
import { channelTypeSchema } from './schemas';
import { userText } from './text';

/**
 * The team inbox, served by the workspace's node to the dashboard in the browser
 * (`Authorization: Bearer <node session>`). Shared by the node (validation) and the web app
 * (types), so both sides read one contract. Everything here is customer content: it never
 * passes through the control plane.
 */

export const conversationStatusSchema = z.enum(['open', 'pending', 'resolved', 'snoozed']);
export type ConversationStatus = z.infer<typeof conversationStatusSchema>;
/** Who answers the end user: the agent, or people after a handoff. */
export const handlerSchema = z.enum(['agent', 'human']);
export type ConversationHandler = z.infer<typeof handlerSchema>;

const conversationId = z.string().check(z.regex(/^[0-9a-f-]{36}$/, 'a conversation id'));
const tag = z
  .string()
  .check(z.regex(/^[\p{L}\p{N}][\p{L}\p{N} _-]{0,31}$/u, 'tags are 1-32 letters, digits, _ - or space'));
const userId = z.string().check(z.minLength(1), z.maxLength(64));
export const shortcodeSchema = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'shortcodes are 1-32 of a-z 0-9 _ -'));

export const inboxFilterSchema = z.strictObject({
  status: z.optional(z.enum(['open', 'pending', 'resolved', 'snoozed', 'all'])),
  handler: z.optional(handlerSchema),
  channel: z.optional(channelTypeSchema),
  tag: z.optional(tag),
  assignee: z.optional(userId),
  /** Full-text search over messages (SQLite FTS5). */
  q: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  trash: z.optional(z.enum(['0', '1'])),
  /** Keyset cursor: the last conversation of the previous page. */
  before: z.optional(z.string().check(z.maxLength(100))),
  limit: z.optional(z.string().check(z.regex(/^([1-9]|[1-9][0-9]|100)$/, 'limit is 1-100'))),
});
export type InboxFilter = z.infer<typeof inboxFilterSchema>;

export interface ConversationSummary {
  readonly id: string;
  readonly channel: { readonly id: string; readonly type: z.infer<typeof channelTypeSchema> };
  readonly status: ConversationStatus;
  readonly snoozedUntil: string | null;
  readonly handler: ConversationHandler;
  readonly assigneeId: string | null;
  readonly tags: readonly string[];
  readonly contact: { readonly name: string | null; readonly handle: string | null };
  readonly language: string | null;
  readonly unread: number;
  readonly lastMessage: { readonly text: string | null; readonly direction: 'in' | 'out'; readonly at: string } | null;
  readonly trashedAt: string | null;
}

export interface InboxMessage {
  readonly id: number;
  readonly direction: 'in' | 'out';
  /** end_user for inbound; agent or human (authorId) for outbound. */
  readonly author: 'end_user' | 'agent' | 'human';
  readonly authorId: string | null;
  readonly kind: string;
  readonly text: string | null;
  readonly deliveryStatus: string | null;
  readonly createdAt: string;
}

export interface InboxNote {
  readonly id: number;
  readonly authorId: string;
  readonly text: string;
  readonly createdAt: string;
}

export interface ConversationThread {
  readonly conversation: ConversationSummary;
  readonly messages: readonly InboxMessage[];
  readonly notes: readonly InboxNote[];
}

export const humanReplySchema = z.strictObject({ text: userText() });
export const noteSchema = z.strictObject({ text: userText(10_000) });
export const updateConversationSchema = z.strictObject({
  status: z.optional(conversationStatusSchema),
  /** ISO time; required with status "snoozed", which ends by itself then. */
  snoozedUntil: z.optional(z.iso.datetime()),
  assigneeId: z.optional(z.nullable(userId)),
  tags: z.optional(z.array(tag).check(z.maxLength(20))),
});
export type UpdateConversation = z.infer<typeof updateConversationSchema>;

export const savedReplyInputSchema = z.strictObject({ shortcode: shortcodeSchema, text: userText() });
export type SavedReplyInput = z.infer<typeof savedReplyInputSchema>;
export interface SavedReply {
  readonly id: number;
  readonly shortcode: string;
  readonly text: string;
  readonly updatedAt: string;
}

/** How the agent hands a conversation to people, and what the end user is told. */
export const inboxSettingsSchema = z.strictObject({
  /** Case-insensitive phrases that, in an end user's message, ask for a person. */
  handoffPhrases: z.array(z.string().check(z.minLength(2), z.maxLength(100))).check(z.maxLength(50)),
  /** Sent to the end user when the conversation goes to people. */
  handoffMessage: userText(1000),
  /** Sent to the end user when people hand back to the agent; empty sends nothing. */
  handbackMessage: z.string().check(z.maxLength(1000)),
  /** Hand over when the model could not answer (every attempt failed). */
  handoffWhenNoAnswer: z.optional(z.boolean()),
});
export type InboxSettings = z.infer<typeof inboxSettingsSchema>;

/** Live updates (SSE `data:` lines); the event id is the inbox event's sequence number. */
export interface InboxEvent {
  readonly type:
    'conversation.updated' | 'message.created' | 'message.updated' | 'note.created' | 'conversation.erased';
  readonly conversationId: string;
}

export { conversationId as conversationIdSchema };
