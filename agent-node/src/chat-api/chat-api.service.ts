import type { IncomingMessage } from 'node:http';
import type { RequestContext } from '../http/http-server';
import type { NodeLogger } from '../logging/logger';
import type { ConfigRepository } from '../storage/config.repository';
import type { Transaction } from '../storage/database';
import type { CountersRepository } from '../storage/counters.repository';
import type { ChatApiConfig } from './chat-api-config';
import type { ApiKeyChannel, ChatApiKeys } from './chat-api-keys';
import type { ChatApiRepository } from './chat-api.repository';
import { API_COUNTER, sendJson, type ChatCompletions, type Tally } from './chat-completions';
import { ChatApiError, parseChatRequest } from './openai-wire';
import type { ClientAddress } from '../http/client-address';
import { burstRate, type BucketVerdict, type TokenBuckets } from './rate-limits';

const NO_KEY =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";

/**
 * The chat API's front door: the client's address, failed-authentication throttling, the key,
 * the per-address and per-key buckets, then the route's work; every refusal in OpenAI's error
 * shape with the rate-limit headers the key has earned.
 */
export class ChatApiService {
  constructor(
    private readonly deps: {
      readonly keys: ChatApiKeys;
      readonly buckets: TokenBuckets;
      readonly address: ClientAddress;
      readonly completions: ChatCompletions;
      readonly counters: CountersRepository;
      readonly transaction: Transaction;
      readonly repo: ChatApiRepository;
      readonly config: ConfigRepository;
      readonly cfg: ChatApiConfig;
      readonly logger: NodeLogger;
    },
  ) {}

  async chatCompletions(ctx: RequestContext): Promise<void> {
    const tally: Tally = { failed: false };
    await this.guarded(ctx, tally, async (key, headers) => {
      const req = parseChatRequest(ctx.body);
      await this.deps.completions.answer(key, req, ctx.res, headers, tally);
    });
    this.record(tally, true);
  }

  /** `GET /v1/models`: the workspace's enabled agents, as models named by agent id. */
  async models(ctx: RequestContext, id?: string): Promise<void> {
    const tally: Tally = { failed: false };
    await this.guarded(ctx, tally, (_key, headers) => {
      const agents = this.deps.config.listAgents().filter((a) => a.enabled);
      const model = (a: { id: string }) => ({ id: a.id, object: 'model', created: 0, owned_by: 'enclave' });
      if (id === undefined) return sendJson(ctx.res, 200, { object: 'list', data: agents.map(model) }, headers);
      const agent = agents.find((a) => a.id === id);
      if (!agent)
        throw new ChatApiError(
          404,
          'invalid_request_error',
          'model_not_found',
          `The model '${id}' does not exist`,
          'model',
        );
      return sendJson(ctx.res, 200, model(agent), headers);
    });
    this.record(tally, false);
  }

  /** Counts (completions only) and the key's last use, in one transaction. */
  private record(tally: Tally, completion: boolean): void {
    this.deps.transaction(() => {
      const { counters } = this.deps;
      if (completion) {
        counters.increment(API_COUNTER.requests);
        if (tally.failed) counters.increment(API_COUNTER.failures);
      }
      if (tally.usage) {
        counters.increment(API_COUNTER.tokensIn, tally.usage.inputTokens);
        counters.increment(API_COUNTER.tokensOut, tally.usage.outputTokens);
      }
      if (tally.keyId) this.deps.repo.touchKey(tally.keyId, Date.now());
    });
  }

  private async guarded(
    ctx: RequestContext,
    tally: Tally,
    work: (key: ApiKeyChannel, headers: Record<string, string>) => Promise<void> | void,
  ): Promise<void> {
    const headers: Record<string, string> = {};
    try {
      const ip = this.deps.address.of(ctx.req);
      const key = this.authenticate(ctx.req, ip);
      this.limit(key, ip, headers);
      tally.keyId = key.id;
      await work(key, headers);
    } catch (caught) {
      let err = caught;
      if (!(err instanceof ChatApiError)) {
        this.deps.logger.error({ err, requestId: ctx.requestId }, 'chat api request failed');
        err = new ChatApiError(500, 'server_error', null, `Internal error (request ${ctx.requestId}).`);
      }
      const e = err as ChatApiError;
      tally.failed = true;
      if (e.status !== 499) sendJson(ctx.res, e.status, e.body(), { ...headers, ...e.headers });
    }
  }

  /** The key the request presents; 401 otherwise, 429 once this address failed too often. */
  private authenticate(req: IncomingMessage, ip: string): ApiKeyChannel {
    const failures = burstFree(this.deps.cfg.failedAuthPerMinute);
    const throttled = this.deps.buckets.peek(`auth:${ip}`, failures);
    if (!throttled.ok) throw rateLimited(throttled, 'Too many failed authentications from your address.');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const key = m ? this.deps.keys.find(m[1]) : undefined;
    if (key) return key;
    this.deps.buckets.spend(`auth:${ip}`, failures);
    if (!m) throw new ChatApiError(401, 'invalid_request_error', null, NO_KEY);
    const shown = m[1].length > 8 ? `${m[1].slice(0, 3)}*****${m[1].slice(-4)}` : '*****';
    throw new ChatApiError(
      401,
      'invalid_request_error',
      'invalid_api_key',
      `Incorrect API key provided: ${shown}. Keys are created in the Enclave dashboard.`,
    );
  }

  /** Takes from the address's and the key's buckets; 429 with `Retry-After` when either is empty. */
  private limit(key: ApiKeyChannel, ip: string, headers: Record<string, string>): void {
    const byIp = this.deps.buckets.take(`ip:${ip}`, burstRate(this.deps.cfg.ipRequestsPerMinute));
    if (!byIp.ok) throw rateLimited(byIp, 'Rate limit reached for requests from your address.');
    const byKey = this.deps.buckets.take(`key:${key.id}`, burstRate(key.settings.api.limits.requestsPerMinute));
    Object.assign(headers, {
      'x-ratelimit-limit-requests': String(byKey.limit),
      'x-ratelimit-remaining-requests': String(byKey.remaining),
      'x-ratelimit-reset-requests': `${Math.ceil(byKey.resetMs / 1000)}s`,
    });
    if (!byKey.ok) throw rateLimited(byKey, `Rate limit reached for requests on this key: ${byKey.limit} per minute.`);
  }
}

/** Failed authentications may come all at once up to the limit, then one per interval. */
function burstFree(perMinute: number) {
  return { perMinute, capacity: perMinute };
}

function rateLimited(verdict: BucketVerdict, message: string): ChatApiError {
  return new ChatApiError(429, 'requests', 'rate_limit_exceeded', `${message} Please try again later.`, null, {
    'retry-after': String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))),
    'retry-after-ms': String(Math.max(1, verdict.retryAfterMs)),
    'x-ratelimit-limit-requests': String(verdict.limit),
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': `${Math.ceil(verdict.resetMs / 1000)}s`,
  });
}
