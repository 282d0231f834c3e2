import { createTestDatabase, createTestRedis, freeTcpPort, type TestDatabase, type TestRedis } from '@enclave/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JourneyStep, runJourney, summaryTable } from '../scripts/stack/journey';
import { type LocalStack, startLocalStack } from '../scripts/stack/local-stack';

/**
 * The README's demo, played end to end against the real stack: sandbox, API and worker as
 * separate processes, a real sshd host, real PostgreSQL and Redis. Fails on any step that does not hold.
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
    const steps: JourneyStep[] = await runJourney(stack, (step) =>
      process.stdout.write(`  ✓ ${step.name} (${step.ms} ms): ${step.detail}\n`),
    );
    process.stdout.write(`${summaryTable(steps)}\n`);
    expect(steps).toHaveLength(12);
  }, 600_000);
});
