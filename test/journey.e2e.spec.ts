import { createTestDatabase, createTestRedis, freeTcpPort, type TestDatabase, type TestRedis } from '@enclave/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJourney } from '../scripts/stack/journey';
import { summaryTable } from '../scripts/stack/journey-steps';
import { type LocalStack, NODE_ZONE, startLocalStack } from '../scripts/stack/local-stack';

/**
 * The README's demo, played end to end against the real stack: sandbox, API and worker as
 * separate processes, a real sshd host, real PostgreSQL and Redis. A step that does not hold throws;
 * the test then asserts what each step saw.
 */
describe('the whole user journey', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let stack: LocalStack;
  const stateDir = mkdtempSync(join(tmpdir(), 'enclave-journey-'));

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    const ports = {
      api: await freeTcpPort(),
      sandbox: await freeTcpPort(),
      smtp: await freeTcpPort(),
      stripe: await freeTcpPort(),
      sshd: await freeTcpPort(),
      nodeLocal: await freeTcpPort(),
      nodePublic: await freeTcpPort(),
    };
    stack = await startLocalStack({
      stateDir,
      databaseUrl: database.url,
      redisPrefix: redis.prefix,
      ports,
      logLevel: 'warn',
      heartbeatMs: 1_000,
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await database?.drop();
    await redis?.drop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('sign-up → workspace → payment → provisioning → agent → Telegram → reply → usage → export → deletion → deprovisioned', async () => {
    const { steps, evidence } = await runJourney(stack, (step) =>
      process.stdout.write(`  ✓ ${step.name} (${step.ms} ms): ${step.detail}\n`),
    );
    process.stdout.write(`${summaryTable(steps)}\n`);
    expect(steps).toHaveLength(12);

    // Signed up through GitHub; the workspace waited for payment, then the webhook started provisioning.
    expect(evidence.signedInAs).toMatch(/^journey-[0-9a-f]{6}@example\.com$/);
    expect(evidence.workspaceStatus).toEqual({
      created: 'pending_payment',
      paid: expect.stringMatching(/^(provisioning|active)$/),
      provisioned: 'active',
    });
    // Every provisioning step succeeded; the node got its hostname (the slug) and one proxied DNS record.
    expect(evidence.provisionSteps).toEqual(
      ['allocate', 'ssh-ready', 'upload', 'install', 'start', 'dns', 'tls', 'enrol', 'healthy'].map((name) => ({
        name,
        status: 'succeeded',
      })),
    );
    expect(evidence.hostname).toBe(`${evidence.signedInAs.split('@')[0]}.${NODE_ZONE}`);
    expect(evidence.dnsRecords).toBe(1);
    // The key and the bot token reached the node; the API shows the key masked only.
    expect(evidence.openAiKey).toEqual({
      key: expect.any(String),
      mask: `sk-…${evidence.openAiKey.key.slice(-4)}`,
      delivery: 'delivered',
    });
    expect(evidence.telegram).toEqual({ botUsername: expect.stringMatching(/_bot$/), delivery: 'delivered' });
    // The model's answer to the end user's message arrived at the Telegram stand-in.
    expect(evidence.reply).toMatch(/^\[gpt-4o-mini\] You said: /);
    expect(evidence.reply).toContain(evidence.message);
    // The heartbeat brought the counts (one in, one out) and nothing else.
    expect(evidence.usageToday).toEqual({ inbound: 1, outbound: 1 });
    // The export came from the node's own hostname through the edge, holds the conversation, and a tampered link is refused.
    expect(evidence.exported).toEqual({
      linkHost: evidence.hostname,
      messages: [evidence.message, evidence.reply],
      tamperedLinkStatus: 403,
    });
    // Deleting the workspace hid it and cancelled its Stripe subscription at once.
    expect(evidence.deleted).toEqual({ workspaceStatusCode: 404, stripeSubscriptionStatuses: ['canceled'] });
    // Deprovisioning wiped the node (its receipt counts what it erased), removed the DNS record and freed the host.
    expect(evidence.deprovisioned).toEqual({
      workspaceStatus: 'deprovisioned',
      runStatus: 'succeeded',
      wipeReceipt: expect.objectContaining({
        method: 'node',
        deleted: expect.objectContaining({ conversations: 1, messages: 2, secrets: 2, exports: 1 }),
      }),
      dnsRecords: 0,
      hostStatus: 'free',
    });
  }, 600_000);
});
