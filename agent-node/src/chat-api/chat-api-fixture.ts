import { chatApiKeyHash, CHAT_API_KEY_PREFIX, type ChatApiSettings } from '@enclave/node-protocol';
import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { TEST_AGENTS, type NodeFixture } from '../testing/node-fixture';
import { ANTHROPIC_TEST_KEY, OPENAI_TEST_KEY } from '../testing/node-harness';

/** A chat API key as the control plane hands it out once: `sk-enclave-` + 43 base64url characters. */
export function newChatApiKey(): string {
  return `${CHAT_API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export interface TestApiKey {
  readonly id: string;
  readonly agentId: 'agent-openai' | 'agent-anthropic';
  readonly key: string;
  readonly api: ChatApiSettings;
}

/**
 * Gives the node two agents and the keys as `api` channels, as the control plane does: each
 * key's SHA-256 as the secret `chat_api_key` (scope = key id), its settings in the config.
 */
export async function configureChatApi(f: NodeFixture, keys: readonly TestApiKey[], revision: number): Promise<void> {
  const call = async (method: string, path: string, body: unknown) => {
    const r = await f.cp.call(f.nodeUrl, method, path, body);
    if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  await call('PUT', '/v1/secrets/openai_api_key', { value: OPENAI_TEST_KEY });
  await call('PUT', '/v1/secrets/anthropic_api_key', { value: ANTHROPIC_TEST_KEY });
  for (const k of keys) await call('PUT', '/v1/secrets/chat_api_key', { value: chatApiKeyHash(k.key), scope: k.id });
  await call('PUT', '/v1/config', {
    revision,
    agents: TEST_AGENTS,
    channels: keys.map((k) => ({ id: k.id, type: 'api', agentId: k.agentId, enabled: true, api: k.api })),
  });
}

/** The official OpenAI client pointed at the node (retries off unless asked). */
export function sdk(f: NodeFixture, apiKey: string, opts: { maxRetries?: number; ip?: string } = {}): OpenAI {
  return new OpenAI({
    apiKey,
    baseURL: `${f.nodeUrl}/v1`,
    maxRetries: opts.maxRetries ?? 0,
    defaultHeaders: opts.ip ? { 'x-forwarded-for': opts.ip } : undefined,
  });
}
