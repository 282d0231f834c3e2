import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { randomBytes } from 'node:crypto';
import { mountFaultSwitches, normalFaults } from '../model-faults';
import { offeredToolNames, ToolCallScript } from '../model-tools';
import { writeSse, type StreamRecord } from '../model-stream';
import { openAiStreamEvents } from './openai-stream';
import { mountEmbeddings } from './openai-embeddings';
import type { StandIn } from '../sandbox';
import { StandInTimers } from '../helpers';
import { recordNeedle } from '../at-rest-needles';

/**
 * OpenAI API stand-in (https://platform.openai.com/docs/api-reference), under /openai so the
 * official SDK runs with `baseURL: <sandbox>/openai/v1`.
 *
 * - `GET /v1/models`, `GET /v1/models/:id`, `POST /v1/chat/completions` (plain, or streamed with
 *   `stream: true` in several chunks, `chunkDelayMs` apart — see openai-stream.ts);
 * - Bearer auth: keys shaped `sk-…` (20+ chars) are accepted unless revoked;
 * - errors in OpenAI's shape `{error:{message,type,param,code}}`;
 * - deterministic answers derived from the last user message.
 *
 * Test controls: `POST /openai/_test/faults` `{latencyMs?, failNext?, failStatus?, failMessage?, chunkDelayMs?}`,
 * `DELETE /openai/_test/faults`, `POST /openai/_test/keys/revoke` `{key}`,
 * `GET /openai/_test/requests` (what the API received; a streamed request's `stream` says whether
 * every event went out or the client went away first).
 */
export const OPENAI_KEY_SHAPE = /^sk-[A-Za-z0-9_-]{20,}$/;
export const OPENAI_MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-5-mini'];

export function openaiAnswer(model: string, lastUser: string, contextMessages: number): string {
  return `[${model}] You said: "${lastUser}" (${contextMessages} messages in context)`;
}

export function createOpenAiStandIn(): StandIn {
  const revoked = new Set<string>();
  const timers = new StandInTimers();
  const faults = normalFaults(500);
  const toolCalls = new ToolCallScript();
  const requests: {
    model: string;
    messages: { role: string; content: string }[];
    tools: string[];
    at: string;
    status: number;
    stream?: StreamRecord;
  }[] = [];

  const error = (
    res: Response,
    status: number,
    message: string,
    type: string,
    code: string | null,
    param: string | null = null,
  ) => res.status(status).json({ error: { message, type, param, code } });

  const auth = (req: Request, res: Response, next: NextFunction) => {
    const m = /^Bearer (.+)$/.exec(req.header('authorization') ?? '');
    if (!m)
      return error(
        res,
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        'invalid_request_error',
        null,
      );
    const key = m[1];
    recordNeedle('secret', key);
    if (!OPENAI_KEY_SHAPE.test(key) || revoked.has(key)) {
      return error(
        res,
        401,
        `Incorrect API key provided: ${key.slice(0, 3)}*****${key.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error',
        'invalid_api_key',
      );
    }
    next();
  };

  const wait = (ms: number) => timers.wait(ms);

  /** Applies latency and injected failures; true when a failure was sent. */
  const injected = async (res: Response): Promise<boolean> => {
    await wait(faults.latencyMs);
    if (faults.failNext > 0) {
      faults.failNext--;
      if (faults.failStatus === 429) {
        res.setHeader('retry-after', '1');
        error(
          res,
          429,
          faults.failMessage ?? 'Rate limit reached for requests. Please try again in 1s.',
          'requests',
          'rate_limit_exceeded',
        );
      } else {
        error(
          res,
          faults.failStatus,
          faults.failMessage ?? 'The server had an error while processing your request. Sorry about that!',
          'server_error',
          null,
        );
      }
      return true;
    }
    return false;
  };

  const modelObject = (id: string) => ({ id, object: 'model', created: 1_715_367_049, owned_by: 'system' });

  const router = () => {
    const r = Router();
    r.use(express.json({ limit: '2mb' }));

    mountFaultSwitches(r, faults, 500);
    toolCalls.mount(r);
    r.post('/_test/keys/revoke', (req, res) => {
      revoked.add(String((req.body as { key?: string }).key));
      res.json({ revoked: true });
    });
    r.get('/_test/requests', (_req, res) => res.json({ requests }));

    r.get('/v1/models', auth, (_req, res) => res.json({ object: 'list', data: OPENAI_MODELS.map(modelObject) }));
    r.get('/v1/models/:id', auth, (req, res) => {
      const id = String(req.params.id);
      if (!OPENAI_MODELS.includes(id))
        return error(res, 404, `The model '${id}' does not exist`, 'invalid_request_error', 'model_not_found', 'model');
      return res.json(modelObject(id));
    });
    r.post('/v1/chat/completions', auth, async (req, res) => {
      const body = (req.body ?? {}) as {
        model?: unknown;
        messages?: unknown;
        stream?: unknown;
        stream_options?: { include_usage?: unknown } | null;
        tools?: unknown;
      };
      if (typeof body.model !== 'string' || body.model === '')
        return error(res, 400, 'you must provide a model parameter', 'invalid_request_error', null, 'model');
      if (!Array.isArray(body.messages) || body.messages.length === 0) {
        return error(
          res,
          400,
          "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
          'invalid_request_error',
          'empty_array',
          'messages',
        );
      }
      const messages = body.messages as { role?: unknown; content?: unknown }[];
      for (const [i, m] of messages.entries()) {
        if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(String(m.role))) {
          return error(
            res,
            400,
            `Invalid value: '${String(m.role)}'. Supported values are: 'system', 'assistant', 'user', 'tool', and 'developer'.`,
            'invalid_request_error',
            'invalid_value',
            `messages[${i}].role`,
          );
        }
      }
      if (!OPENAI_MODELS.includes(body.model))
        return error(
          res,
          404,
          `The model \`${body.model}\` does not exist or you do not have access to it.`,
          'invalid_request_error',
          'model_not_found',
        );
      const flat = messages.map((m) => ({
        role: String(m.role),
        content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content),
      }));
      const record: (typeof requests)[number] = {
        model: body.model,
        messages: flat,
        tools: offeredToolNames(body.tools),
        at: new Date().toISOString(),
        status: 200,
      };
      requests.push(record);
      if (await injected(res)) {
        record.status = res.statusCode;
        return;
      }
      if (res.destroyed || res.headersSent) return;
      const lastUser = [...flat].reverse().find((m) => m.role === 'user')?.content ?? '';
      const call = toolCalls.take(offeredToolNames(body.tools));
      const content = call ? '' : openaiAnswer(body.model, lastUser, flat.filter((m) => m.role !== 'system').length);
      // What an end user said and what the model answered: conversation content.
      recordNeedle('content', lastUser);
      recordNeedle('content', content);
      const promptTokens = Math.ceil(flat.reduce((n, m) => n + m.content.length, 0) / 4);
      const completionTokens = Math.ceil(content.length / 4);
      const usage = {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      };
      const id = `chatcmpl-${randomBytes(12).toString('base64url')}`;
      const created = Math.floor(Date.now() / 1000);
      res.setHeader('x-request-id', `req_${randomBytes(12).toString('hex')}`);
      if (body.stream === true) {
        const includeUsage = body.stream_options?.include_usage === true;
        const events = openAiStreamEvents({ id, model: body.model, created, content, call, usage, includeUsage });
        record.stream = { outcome: 'streaming', eventsSent: 0, eventsPlanned: events.length };
        return writeSse(res, events, faults.chunkDelayMs, timers, record.stream);
      }
      return res.json({
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [
          {
            index: 0,
            message: call
              ? {
                  role: 'assistant',
                  content: null,
                  refusal: null,
                  annotations: [],
                  tool_calls: [
                    {
                      id: `call_${randomBytes(12).toString('base64url')}`,
                      type: 'function',
                      function: { name: call.name, arguments: JSON.stringify(call.input) },
                    },
                  ],
                }
              : { role: 'assistant', content, refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: call ? 'tool_calls' : 'stop',
          },
        ],
        usage,
        system_fingerprint: 'fp_sandbox',
      });
    });
    mountEmbeddings(r, auth, error);
    r.use((_req, res) => error(res, 404, 'Invalid URL', 'invalid_request_error', null));
    return r;
  };

  return {
    prefix: '/openai',
    router,
    stop: async () => timers.clear(),
  };
}
