import type { Server } from 'node:http';
import { recordNeedle } from '@enclave/sandbox';
import request from 'supertest';

/** Top-level body fields in which a test hands the API a raw secret (secrets, channels, transcripts). */
const SENT_SECRETS = ['value', 'botToken', 'accessToken', 'appSecret', 'credential'];
/** Top-level answer fields the API shows once: API keys, widget and webhook secrets, node sessions. */
const SHOWN_ONCE = ['secret', 'signingSecret', 'token'];
const VERBS = new Set(['get', 'post', 'put', 'patch', 'delete']);

function recordFields(body: unknown, fields: readonly string[]): void {
  if (typeof body !== 'object' || body === null) return;
  for (const field of fields) {
    const value = (body as Record<string, unknown>)[field];
    if (typeof value === 'string') recordNeedle('secret', value);
  }
}

/**
 * supertest on the API that also records, for the suite-wide at-rest scan, the raw secrets a
 * test sends (a model key PUT inline never reaches a stand-in) and those the API shows once.
 */
export function recordingClient(server: Server): ReturnType<typeof request> {
  const client = request(server);
  return new Proxy(client, {
    get(target, property, receiver) {
      const original = Reflect.get(target, property, receiver) as unknown;
      if (typeof property !== 'string' || !VERBS.has(property) || typeof original !== 'function') return original;
      return (...args: unknown[]) => {
        const test = (original as (...a: unknown[]) => request.Test).apply(target, args);
        test.on('response', (response: { body: unknown }) => {
          // superagent keeps what `.send()` was given in `_data`.
          recordFields((test as unknown as { _data?: unknown })._data, SENT_SECRETS);
          recordFields(response.body, SHOWN_ONCE);
        });
        return test;
      };
    },
  });
}
