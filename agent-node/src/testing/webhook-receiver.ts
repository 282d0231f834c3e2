import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookEndpointConfig } from '@enclave/node-protocol';
// Test-only: the official Standard Webhooks verifier stands for the customer's receiver.
import { Webhook } from 'standardwebhooks';
import { TEST_DASHBOARD_ORIGIN, type NodeFixture } from './node-fixture';

export interface ReceivedWebhook {
  readonly id: string;
  readonly timestamp: number;
  readonly type: string;
  readonly payload: { type: string; timestamp: string; data: Record<string, Record<string, unknown>> };
  readonly receivedAt: number;
  /** Whether `standardwebhooks` accepted the signature (every accepted one is in `verified`). */
  readonly verified: boolean;
}

/** How the receiver answers the next requests: a status, after a delay, with a body of some size. */
export interface ReceiverScript {
  status: number;
  delayMs?: number;
  bodyBytes?: number;
  /** Answers 307 to this location instead. */
  redirectTo?: string;
}

/**
 * A customer's webhook receiver on loopback: verifies every request with the official
 * `standardwebhooks` package (as the docs tell customers to) and records it.
 */
export interface WebhookReceiver {
  readonly url: string;
  readonly hostPort: string;
  readonly secret: string;
  readonly received: ReceivedWebhook[];
  /** Verifies with another secret from now on (one the control plane generated and showed once). */
  useSecret(secret: string): void;
  script: ReceiverScript;
  verified(): ReceivedWebhook[];
  close(): Promise<void>;
}

/** A new `whsec_` secret as the control plane generates it (32 random bytes). */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export async function startWebhookReceiver(secret = newSigningSecret()): Promise<WebhookReceiver> {
  let verifier = new Webhook(secret);
  const received: ReceivedWebhook[] = [];
  const receiver = {
    secret,
    received,
    script: { status: 204 } as ReceiverScript,
    verified: () => received.filter((r) => r.verified),
    useSecret(next: string) {
      verifier = new Webhook(next);
      receiver.secret = next;
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = req.headers as IncomingHttpHeaders & Record<string, string>;
      let verified = false;
      let payload: ReceivedWebhook['payload'] = { type: '', timestamp: '', data: {} };
      try {
        payload = verifier.verify(body, headers) as ReceivedWebhook['payload'];
        verified = true;
      } catch {
        verified = false;
      }
      received.push({
        id: String(headers['webhook-id']),
        timestamp: Number(headers['webhook-timestamp']),
        type: payload.type,
        payload,
        receivedAt: Date.now(),
        verified,
      });
      const { status, delayMs = 0, bodyBytes = 0, redirectTo } = receiver.script;
      const answer = setTimeout(() => {
        if (res.destroyed) return;
        if (redirectTo) {
          res.writeHead(307, { location: redirectTo }).end();
          return;
        }
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(bodyBytes ? Buffer.alloc(bodyBytes, 'x') : undefined);
      }, delayMs);
      answer.unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks/enclave`,
    hostPort: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/**
 * Applies the test agent and Telegram channel (as `configureNode` sets them up) with these
 * webhook endpoints at `revision` (and `extra` config fields), after storing the given signing secrets (endpoint id → secret).
 */
export async function applyWebhookConfig(
  f: Pick<NodeFixture, 'cp' | 'nodeUrl'>,
  revision: number,
  endpoints: WebhookEndpointConfig[],
  secrets: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): Promise<void> {
  for (const [scope, value] of Object.entries(secrets)) {
    const put = await f.cp.call(f.nodeUrl, 'PUT', '/v1/secrets/webhook_signing_secret', { value, scope });
    if (put.status !== 200) throw new Error(`put signing secret: ${put.status}`);
  }
  const r = await f.cp.call(f.nodeUrl, 'PUT', '/v1/config', {
    revision,
    dashboardOrigin: TEST_DASHBOARD_ORIGIN,
    agents: [
      {
        id: 'agent-openai',
        name: 'Helper',
        instructions: 'You are a helpful assistant.',
        provider: 'openai',
        model: 'gpt-4o-mini',
        enabled: true,
      },
    ],
    channels: [{ id: 'tg-main', type: 'telegram', agentId: 'agent-openai', enabled: true }],
    webhooks: endpoints,
    ...extra,
  });
  if (r.status !== 200) throw new Error(`apply config: ${r.status} ${JSON.stringify(r.body)}`);
}
