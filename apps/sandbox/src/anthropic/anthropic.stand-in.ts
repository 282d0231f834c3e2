import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { randomBytes } from 'node:crypto';
import { mountFaultSwitches, normalFaults } from '../model-faults';
import { offeredToolNames, ToolCallScript } from '../model-tools';
import { writeSse, type StreamRecord } from '../model-stream';
import { anthropicStreamEvents } from './anthropic-stream';
import type { StandIn } from '../sandbox';
import { StandInTimers } from '../helpers';
import { recordNeedle } from '../at-rest-needles';

/**
 * Anthropic API stand-in (https://docs.anthropic.com/en/api), under /anthropic so the
 * official SDK runs with `baseURL: <sandbox>/anthropic`.
 *
 * - `POST /v1/messages` (plain, or streamed with `stream: true` as server-sent events, `chunkDelayMs`
 *   apart — see anthropic-stream.ts), `GET /v1/models`, `GET /v1/models/:id`;
 * - `x-api-key` or `Authorization: Bearer` (keys shaped `sk-ant-…`, accepted unless revoked) and `anthropic-version`
 *   (a YYYY-MM-DD date) headers are required;
 * - errors in Anthropic's shape `{type:"error", error:{type, message}, request_id}`;
 * - deterministic answers derived from the last user message.
 *
 * Test controls: `POST /anthropic/_test/faults` `{latencyMs?, failNext?, failStatus?, failMessage?, chunkDelayMs?}`
 * (429 → rate_limit_error, 500 → api_error, 529 → overloaded_error),
 * `DELETE /anthropic/_test/faults`, `POST /anthropic/_test/keys/revoke` `{key}`,
 * `GET /anthropic/_test/requests` (a streamed request's `stream` says whether every event went out).
 */
export const ANTHROPIC_KEY_SHAPE = /^sk-ant-[A-Za-z0-9_-]{20,}$/;
export const ANTHROPIC_MODELS = [
  { id: 'claude-sonnet-4-5', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' },
  { id: 'claude-haiku-4-5', display_name: 'Claude Haiku 4.5', created_at: '2025-10-15T00:00:00Z' },
  { id: 'claude-opus-4-1', display_name: 'Claude Opus 4.1', created_at: '2025-08-05T00:00:00Z' },
];

const ERROR_TYPE: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export function anthropicAnswer(model: string, lastUser: string, turns: number): string {
  return `(${model}) Echo: ${lastUser} [${turns} turns]`;
}

export function createAnthropicStandIn(): StandIn {
  const revoked = new Set<string>();
  const timers = new StandInTimers();
  const faults = normalFaults(529);
  const toolCalls = new ToolCallScript();
  const requests: {
    model: string;
    system: string | null;
    messages: { role: string; content: string }[];
    tools: string[];
    at: string;
    status: number;
    stream?: StreamRecord;
  }[] = [];

  const requestId = () => `req_${randomBytes(12).toString('base64url')}`;
  const error = (res: Response, status: number, message: string) => {
    const id = requestId();
    res.setHeader('request-id', id);
    return res
      .status(status)
      .json({ type: 'error', error: { type: ERROR_TYPE[status] ?? 'api_error', message }, request_id: id });
  };

  const auth = (req: Request, res: Response, next: NextFunction) => {
    // Older SDKs send `x-api-key`; the installed SDK (1.x) sends the key as `Authorization: Bearer`.
    const key = req.header('x-api-key') ?? /^Bearer (.+)$/.exec(req.header('authorization') ?? '')?.[1];
    if (!key) return error(res, 401, 'x-api-key header is required');
    recordNeedle('secret', key);
    if (!key || !ANTHROPIC_KEY_SHAPE.test(key) || revoked.has(key)) return error(res, 401, 'invalid x-api-key');
    const version = req.header('anthropic-version');
    if (!version) return error(res, 400, 'anthropic-version: header is required');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(version)) return error(res, 400, `anthropic-version: invalid version ${version}`);
    next();
  };

  const wait = (ms: number) => timers.wait(ms);

  const textOf = (content: unknown): string | undefined => {
    if (typeof content === 'string') return content;
    if (Array.isArray(content))
      return content.map((b: { type?: string; text?: string }) => (b?.type === 'text' ? (b.text ?? '') : '')).join('');
    return undefined;
  };

  const router = () => {
    const r = Router();
    r.use(express.json({ limit: '2mb' }));

    mountFaultSwitches(r, faults, 529);
    toolCalls.mount(r);
    r.post('/_test/keys/revoke', (req, res) => {
      revoked.add(String((req.body as { key?: string }).key));
      res.json({ revoked: true });
    });
    r.get('/_test/requests', (_req, res) => res.json({ requests }));

    r.get('/v1/models', auth, (_req, res) =>
      res.json({
        data: ANTHROPIC_MODELS.map((m) => ({ type: 'model', ...m })),
        has_more: false,
        first_id: ANTHROPIC_MODELS[0].id,
        last_id: ANTHROPIC_MODELS[ANTHROPIC_MODELS.length - 1].id,
      }),
    );
    r.get('/v1/models/:id', auth, (req, res) => {
      const m = ANTHROPIC_MODELS.find((x) => x.id === req.params.id);
      if (!m) return error(res, 404, `model: ${String(req.params.id)}`);
      return res.json({ type: 'model', ...m });
    });
    r.post('/v1/messages', auth, async (req, res) => {
      const b = (req.body ?? {}) as {
        model?: unknown;
        max_tokens?: unknown;
        messages?: unknown;
        system?: unknown;
        stream?: unknown;
        tools?: unknown;
      };
      if (typeof b.model !== 'string') return error(res, 400, 'model: Field required');
      if (!Number.isInteger(b.max_tokens) || (b.max_tokens as number) < 1)
        return error(res, 400, 'max_tokens: Field required');
      if (!Array.isArray(b.messages) || b.messages.length === 0)
        return error(res, 400, 'messages: at least one message is required');
      const messages: { role: string; content: string }[] = [];
      for (const [i, m] of (b.messages as { role?: unknown; content?: unknown }[]).entries()) {
        const role = String(m.role);
        if (role !== 'user' && role !== 'assistant')
          return error(res, 400, `messages.${i}.role: Input should be 'user' or 'assistant'`);
        if (i === 0 && role !== 'user') return error(res, 400, 'messages: first message must use the "user" role');
        if (i > 0 && messages[i - 1].role === role)
          return error(res, 400, 'messages: roles must alternate between "user" and "assistant"');
        const text = textOf(m.content);
        if (text === undefined || text === '')
          return error(res, 400, `messages.${i}: all messages must have non-empty content`);
        messages.push({ role, content: text });
      }
      if (!ANTHROPIC_MODELS.some((m) => m.id === b.model)) return error(res, 404, `model: ${b.model}`);
      const system = b.system === undefined ? null : (textOf(b.system) ?? null);
      const record: (typeof requests)[number] = {
        model: b.model,
        system,
        messages,
        tools: offeredToolNames(b.tools),
        at: new Date().toISOString(),
        status: 200,
      };
      requests.push(record);
      await wait(faults.latencyMs);
      if (faults.failNext > 0) {
        faults.failNext--;
        if (faults.failStatus === 429) res.setHeader('retry-after', '1');
        record.status = faults.failStatus;
        const msg =
          faults.failMessage ??
          (faults.failStatus === 429
            ? 'Number of requests has exceeded your rate limit.'
            : faults.failStatus === 529
              ? 'Overloaded'
              : 'Internal server error');
        return error(res, faults.failStatus, msg);
      }
      if (res.destroyed || res.headersSent) return;
      const call = toolCalls.take(offeredToolNames(b.tools));
      const lastUser = messages[messages.length - 1].content;
      const text = call ? '' : anthropicAnswer(b.model, lastUser, messages.length);
      // What an end user said and what the model answered: conversation content.
      recordNeedle('content', lastUser);
      recordNeedle('content', text);
      const input = Math.ceil((JSON.stringify(messages).length + (system?.length ?? 0)) / 4);
      const output = Math.ceil(text.length / 4);
      const id = `msg_${randomBytes(12).toString('base64url')}`;
      const toolUseId = `toolu_${randomBytes(12).toString('base64url')}`;
      res.setHeader('request-id', requestId());
      if (b.stream === true) {
        const events = anthropicStreamEvents({
          id,
          model: b.model,
          text,
          call: call && { ...call, id: toolUseId },
          inputTokens: input,
          outputTokens: output,
        });
        record.stream = { outcome: 'streaming', eventsSent: 0, eventsPlanned: events.length };
        return writeSse(res, events, faults.chunkDelayMs, timers, record.stream);
      }
      return res.json({
        id,
        type: 'message',
        role: 'assistant',
        model: b.model,
        content: call
          ? [
              {
                type: 'tool_use',
                id: toolUseId,
                name: call.name,
                input: call.input,
              },
            ]
          : [{ type: 'text', text }],
        stop_reason: call ? 'tool_use' : 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: input, output_tokens: output },
      });
    });
    r.use((_req, res) => error(res, 404, 'Not found'));
    return r;
  };

  return {
    prefix: '/anthropic',
    router,
    stop: async () => timers.clear(),
  };
}
