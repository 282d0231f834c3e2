import {
  conversationIdSchema,
  humanReplySchema,
  inboxFilterSchema,
  inboxSettingsSchema,
  noteSchema,
  savedReplyInputSchema,
  updateConversationSchema,
} from '@enclave/node-protocol';
import * as z from 'zod/mini';
import { parseJsonBody, validate, type RequestContext } from '../http/http-server';
import type { SessionRoute } from '../sessions/node-session-auth';
import type { InboxEventStream } from './inbox-event-stream';
import type { InboxSettingsStore } from './inbox-settings';
import type { InboxService } from './inbox.service';
import type { SavedRepliesService } from './saved-replies.service';

const CONVERSATIONS = '/v1/inbox/conversations';
const CONVERSATION = `${CONVERSATIONS}/:id`;
const SAVED_REPLIES = '/v1/inbox/saved-replies';
/** Bodies are a reply or a note: a few KB of text; anything larger is refused before parsing. */
const BODY_LIMIT = 64 * 1024;

const savedReplyId = z.string().check(z.regex(/^[1-9][0-9]{0,9}$/, 'a saved reply id'));

function conversationId(ctx: RequestContext): string {
  return validate(conversationIdSchema, ctx.params.id, 'not a conversation id');
}

function query(ctx: RequestContext): Record<string, string> {
  const entries = [...ctx.url.searchParams.entries()];
  return Object.fromEntries(entries);
}

export interface InboxRouteDeps {
  readonly inbox: InboxService;
  readonly savedReplies: SavedRepliesService;
  readonly settings: InboxSettingsStore;
  readonly events: InboxEventStream;
}

/** The team inbox's HTTP face: node-session routes only (members read and answer, admins manage). */
export function inboxRoutes({ inbox, savedReplies, settings, events }: InboxRouteDeps): SessionRoute[] {
  const ok = (json: unknown, status = 200) => ({ status, json });
  return [
    {
      session: 'member',
      method: 'GET',
      path: CONVERSATIONS,
      handler: (ctx) => ok(inbox.list(validate(inboxFilterSchema, query(ctx), 'bad inbox filter'))),
    },
    { session: 'member', method: 'GET', path: CONVERSATION, handler: (ctx) => ok(inbox.thread(conversationId(ctx))) },
    {
      session: 'member',
      method: 'PATCH',
      path: CONVERSATION,
      bodyLimit: BODY_LIMIT,
      handler: (ctx) => {
        const id = conversationId(ctx);
        return ok({ conversation: inbox.update(id, parseJsonBody(ctx, updateConversationSchema)) });
      },
    },
    {
      session: 'member',
      method: 'POST',
      path: `${CONVERSATION}/messages`,
      bodyLimit: BODY_LIMIT,
      handler: (ctx, session) => {
        const id = conversationId(ctx);
        const { text } = parseJsonBody(ctx, humanReplySchema);
        return ok({ message: inbox.reply(id, session.sub, text) }, 202);
      },
    },
    {
      session: 'member',
      method: 'POST',
      path: `${CONVERSATION}/notes`,
      bodyLimit: BODY_LIMIT,
      handler: (ctx, session) => {
        const id = conversationId(ctx);
        const { text } = parseJsonBody(ctx, noteSchema);
        return ok({ note: inbox.note(id, session.sub, text) }, 201);
      },
    },
    {
      session: 'member',
      method: 'POST',
      path: `${CONVERSATION}/takeover`,
      handler: (ctx, session) => ok({ conversation: inbox.takeover(conversationId(ctx), session.sub) }),
    },
    {
      session: 'member',
      method: 'POST',
      path: `${CONVERSATION}/handback`,
      handler: (ctx) => ok({ conversation: inbox.handback(conversationId(ctx)) }),
    },
    {
      session: 'admin',
      method: 'POST',
      path: `${CONVERSATION}/trash`,
      handler: (ctx, session) => ok({ conversation: inbox.trash(conversationId(ctx), session.sub) }),
    },
    {
      session: 'admin',
      method: 'POST',
      path: `${CONVERSATION}/restore`,
      handler: (ctx, session) => ok({ conversation: inbox.restore(conversationId(ctx), session.sub) }),
    },
    {
      session: 'admin',
      method: 'DELETE',
      path: CONVERSATION,
      handler: (ctx, session) => ok(inbox.erase(conversationId(ctx), session.sub)),
    },
    { session: 'member', method: 'GET', path: '/v1/inbox/events', handler: (ctx) => events.serve(ctx) },
    { session: 'member', method: 'GET', path: SAVED_REPLIES, handler: () => ok({ savedReplies: savedReplies.list() }) },
    {
      session: 'admin',
      method: 'POST',
      path: SAVED_REPLIES,
      bodyLimit: BODY_LIMIT,
      handler: (ctx) => ok({ savedReply: savedReplies.create(parseJsonBody(ctx, savedReplyInputSchema)) }, 201),
    },
    {
      session: 'admin',
      method: 'PUT',
      path: `${SAVED_REPLIES}/:id`,
      bodyLimit: BODY_LIMIT,
      handler: (ctx) => {
        const id = Number(validate(savedReplyId, ctx.params.id, 'not a saved reply id'));
        return ok({ savedReply: savedReplies.update(id, parseJsonBody(ctx, savedReplyInputSchema)) });
      },
    },
    {
      session: 'admin',
      method: 'DELETE',
      path: `${SAVED_REPLIES}/:id`,
      handler: (ctx) => {
        savedReplies.delete(Number(validate(savedReplyId, ctx.params.id, 'not a saved reply id')));
        return ok({ deleted: true });
      },
    },
    { session: 'member', method: 'GET', path: '/v1/inbox/settings', handler: () => ok(settings.get()) },
    {
      session: 'admin',
      method: 'PUT',
      path: '/v1/inbox/settings',
      bodyLimit: BODY_LIMIT,
      handler: (ctx) => ok(settings.set(parseJsonBody(ctx, inboxSettingsSchema))),
    },
  ];
}
