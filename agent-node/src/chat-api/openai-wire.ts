import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';

/**
 * The wire format of OpenAI's Chat Completions API (https://platform.openai.com/docs/api-reference/chat),
 * the part the node serves: requests, `chat.completion` / `chat.completion.chunk` answers and
 * errors shaped `{error:{message,type,param,code}}`.
 */

/** An error the chat API answers in OpenAI's shape. */
export class ChatApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string | null,
    message: string,
    readonly param: string | null = null,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ChatApiError';
  }

  body() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ChatApiError(400, 'invalid_request_error', code, message, param);

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const messageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart)]),
  name: z.optional(z.string()),
});

/** An external conversation id: what `conversation_id` (or `user`) names on a history-on key. */
export const CONVERSATION_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$/;

export const chatCompletionRequestSchema = z.object({
  model: z.string().check(z.minLength(1), z.maxLength(100)),
  messages: z.array(messageSchema).check(z.minLength(1)),
  stream: z.optional(z.nullable(z.boolean())),
  stream_options: z.optional(z.nullable(z.object({ include_usage: z.optional(z.boolean()) }))),
  user: z.optional(z.string().check(z.maxLength(256))),
  conversation_id: z.optional(z.string().check(z.regex(CONVERSATION_ID))),
  n: z.optional(z.nullable(z.int())),
  tools: z.optional(z.unknown()),
  functions: z.optional(z.unknown()),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** The body as JSON and against the schema; 400 in OpenAI's shape naming the field otherwise. */
export function parseChatRequest(body: Buffer): ChatCompletionRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalidRequest(
      'We could not parse the JSON body of your request. The body must be valid JSON.',
      null,
      'invalid_json',
    );
  }
  const parsed = chatCompletionRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue.path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${String(p)}` : String(p)))
      .join('');
    throw invalidRequest(`Invalid '${param || 'body'}': ${issue.message}`, param || null, 'invalid_value');
  }
  const req = parsed.data;
  if (req.tools !== undefined || req.functions !== undefined)
    throw invalidRequest('Tools and functions are not supported by this API.', req.tools ? 'tools' : 'functions');
  if (req.n !== undefined && req.n !== null && req.n !== 1)
    throw invalidRequest('Only n = 1 is supported.', 'n', 'invalid_value');
  return req;
}

export function textOf(content: ChatCompletionRequest['messages'][number]['content']): string {
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

const usageBody = (u: Usage) => ({
  prompt_tokens: u.inputTokens,
  completion_tokens: u.outputTokens,
  total_tokens: u.inputTokens + u.outputTokens,
});

export const completionId = () => `chatcmpl-${randomBytes(12).toString('base64url')}`;

export function completionBody(id: string, model: string, text: string, usage: Usage | undefined, extra: object) {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    ...(usage ? { usage: usageBody(usage) } : {}),
    ...extra,
  };
}

/** The `chat.completion.chunk` events of a streamed answer, written as `data:` lines. */
export class ChunkWriter {
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly includeUsage: boolean,
    private readonly write: (line: string) => void,
  ) {}

  private chunk(choices: unknown[], usage: unknown = null): void {
    const body = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices,
      ...(this.includeUsage ? { usage } : {}),
    };
    this.write(`data: ${JSON.stringify(body)}\n\n`);
  }

  start(): void {
    this.chunk([
      { index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null },
    ]);
  }

  delta(text: string): void {
    this.chunk([{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }]);
  }

  finish(usage: Usage | undefined): void {
    this.chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
    if (this.includeUsage) this.chunk([], usage ? usageBody(usage) : null);
    this.write('data: [DONE]\n\n');
  }

  /** An error after the stream began: OpenAI sends it as an event of its own. */
  error(err: ChatApiError): void {
    this.write(`data: ${JSON.stringify(err.body())}\n\n`);
  }
}
