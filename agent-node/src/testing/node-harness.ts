import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordNeedle } from '@enclave/sandbox';
import type { NodeConfigInput } from '../config/node-config';
import { FakeControlPlane } from './fake-control-plane';

/** A message a channel stand-in was asked to send (Telegram: `chat`; WhatsApp: `id`, `to`, `contextMessageId`). */
export interface SentMessage {
  readonly id: string;
  readonly text: string;
  readonly chat: { readonly id: number };
  readonly to: string;
  readonly contextMessageId: string | null;
}

/** The fields tests read from the stand-ins' `_test` answers (each route's answer holds its own). */
export interface SandboxAnswer {
  readonly messages: SentMessage[];
  readonly requests: { readonly messages: { role: string; content: string }[]; readonly system: string }[];
  readonly delivery: { readonly status: number };
  readonly update_id: number;
  readonly messageId: string;
  readonly webhook: { readonly url: string; readonly secretToken: string } | null;
  readonly webhookVerified: boolean;
}

/** A response's JSON; T: the fields the test reads (their values are what it asserts). */
export async function jsonOf<T = SandboxAnswer>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** A well-formed Telegram-shaped bot token for tests (random each call). */
export function telegramToken(): string {
  const id = 100_000_000 + Math.floor(Math.random() * 800_000_000);
  const token = `${id}:AA${Buffer.from(Math.random().toString(36).repeat(4)).toString('base64url').slice(0, 33)}`;
  recordNeedle('secret', token);
  return token;
}

export const OPENAI_TEST_KEY = 'sk-test-0123456789abcdefghijklmnop';
export const ANTHROPIC_TEST_KEY = 'sk-ant-test-0123456789abcdefghijklmnop';

export function tempDir(prefix = 'enclave-node-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Node config pointing at a sandbox and a fake control plane; fast timings for tests. */
export function testNodeConfig(opts: {
  dataDir: string;
  sandboxUrl: string;
  controlPlane: FakeControlPlane;
  port?: number;
  overrides?: Partial<NodeConfigInput>;
}): NodeConfigInput {
  return {
    nodeId: 'node-test-1',
    dataDir: opts.dataDir,
    listen: { host: '127.0.0.1', port: opts.port ?? 0 },
    publicBaseUrl: 'http://127.0.0.1:1', // replaced once the port is known
    controlPlane: {
      url: opts.controlPlane.url,
      publicKey: opts.controlPlane.keys.publicKeyPem,
      enrolmentToken: opts.controlPlane.enrolmentToken,
    },
    heartbeatIntervalMs: 60_000,
    telegramApiRoot: `${opts.sandboxUrl}/telegram`,
    whatsapp: { graphApiBaseUrl: `${opts.sandboxUrl}/whatsapp`, graphApiVersion: 'v21.0' },
    providers: { openaiBaseUrl: `${opts.sandboxUrl}/openai/v1`, anthropicBaseUrl: `${opts.sandboxUrl}/anthropic` },
    model: {
      timeoutMs: 2_000,
      maxAttempts: 3,
      backoffBaseMs: 20,
      historyCharBudget: 4_000,
      historyMaxMessages: 20,
      maxOutputTokens: 256,
    },
    delivery: { maxSendAttempts: 3, sendBackoffBaseMs: 20, concurrency: 4 },
    logLevel: 'silent',
    ...opts.overrides,
  };
}

export function writeConfig(dir: string, cfg: NodeConfigInput): string {
  const path = join(dir, 'node-config.json');
  writeFileSync(path, JSON.stringify(cfg, null, 2));
  return path;
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`waitFor timed out${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
