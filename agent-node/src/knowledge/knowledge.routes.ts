import { isCleanText } from '@enclave/node-protocol';
import * as z from 'zod/mini';
import { parseJsonBody, validate, type RequestContext } from '../http/http-server';
import { NODE_ERROR, NodeError } from '../http/node-error';
import type { SessionRoute } from '../sessions/node-session-auth';
import type { KnowledgeService } from './knowledge.service';

const ROOT = '/v1/knowledge';
const SOURCE = `${ROOT}/sources/:id`;
const JSON_LIMIT = 64 * 1024;

const httpUrl = z.url({ protocol: /^https?$/ }).check(z.maxLength(2048));
/** Q&A and profile text go into prompts and the search index: control characters and broken UTF-16 are refused. */
const clean = z.refine<string>(
  (v) => isCleanText(v, { multiline: true }),
  'must be well-formed Unicode without control characters',
);
const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max), clean);

export const addSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('url'), url: httpUrl }),
  z.strictObject({ kind: z.literal('site'), url: httpUrl }),
  z.strictObject({ kind: z.literal('qa'), question: text(500), answer: text(8000) }),
]);
export type AddSource = z.infer<typeof addSourceSchema>;

const settingsSchema = z.strictObject({ noAnswer: z.enum(['say', 'handoff']) });
const draftSchema = z.strictObject({ url: httpUrl });
const profileSchema = z.strictObject({ text: z.string().check(z.maxLength(8000), clean), published: z.boolean() });
const sourceId = z.uuid();
const fileName = z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[^/\\\0]+$/, 'a file name'));

function id(ctx: RequestContext): string {
  return validate(sourceId, ctx.params.id, 'not a source id');
}

/** The knowledge base's HTTP face: node sessions only; members read, admins change. */
export function knowledgeRoutes(service: KnowledgeService, maxFileBytes: number): SessionRoute[] {
  const ok = (json: unknown, status = 200) => ({ status, json });
  return [
    { session: 'member', method: 'GET', path: ROOT, handler: () => ok(service.overview()) },
    {
      session: 'admin',
      method: 'POST',
      path: `${ROOT}/sources`,
      bodyLimit: JSON_LIMIT,
      handler: (ctx) => ok({ source: service.add(parseJsonBody(ctx, addSourceSchema)) }, 202),
    },
    {
      session: 'admin',
      method: 'POST',
      path: `${ROOT}/files`,
      bodyLimit: maxFileBytes,
      // The browser sends the file itself as the body (no multipart), its name in the query.
      handler: (ctx) => {
        const name = validate(fileName, ctx.url.searchParams.get('name') ?? '', 'the file needs a name');
        if (ctx.body.length === 0) throw new NodeError(NODE_ERROR.validationFailed, 'the file is empty');
        return ok({ source: service.upload(name, ctx.body) }, 202);
      },
    },
    {
      session: 'admin',
      method: 'POST',
      path: `${SOURCE}/refresh`,
      handler: (ctx) => ok({ source: service.refresh(id(ctx)) }, 202),
    },
    { session: 'admin', method: 'DELETE', path: SOURCE, handler: (ctx) => ok(service.remove(id(ctx))) },
    {
      session: 'admin',
      method: 'PUT',
      path: `${ROOT}/settings`,
      bodyLimit: JSON_LIMIT,
      handler: (ctx) => ok({ settings: service.setSettings(parseJsonBody(ctx, settingsSchema)) }),
    },
    {
      session: 'admin',
      method: 'POST',
      path: `${ROOT}/profile/draft`,
      bodyLimit: JSON_LIMIT,
      handler: (ctx) => ok({ profile: service.draftProfile(parseJsonBody(ctx, draftSchema).url) }, 202),
    },
    {
      session: 'admin',
      method: 'PUT',
      path: `${ROOT}/profile`,
      bodyLimit: JSON_LIMIT,
      handler: (ctx) => ok({ profile: service.editProfile(parseJsonBody(ctx, profileSchema)) }),
    },
  ];
}
