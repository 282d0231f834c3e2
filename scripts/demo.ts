import Redis from 'ioredis';
import { Client } from 'pg';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJourney, summaryTable } from './stack/journey';
import { type LocalStack, STAFF_EMAIL, startLocalStack } from './stack/local-stack';

/**
 * `npm run demo`: the whole product on this machine until Ctrl-C.
 * `npm run demo -- --journey`: the same, then the whole user journey played step by step.
 */
const JOURNEY = process.argv.includes('--journey');
// The demo keeps its database and state between runs; a journey always starts from nothing.
const RUN = JOURNEY ? `journey_${Date.now().toString(36)}` : 'demo';
const DATABASE = process.env.ENCLAVE_DEMO_DATABASE ?? `enclave_${RUN}`;
const STATE_DIR = process.env.ENCLAVE_DEMO_STATE_DIR ?? join(tmpdir(), `enclave-${RUN}`);
const PORTS = { api: 3000, sandbox: 4010, smtp: 2525, stripe: 4012, sshd: 2222, nodeLocal: 8080, nodePublic: 8443 };

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function dropRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379');
  for (let cursor = '0'; ; ) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  redis.disconnect();
}

async function ensureDatabase(): Promise<string> {
  await admin(async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${DATABASE}"`);
  });
  return `postgres://postgres@127.0.0.1:5432/${DATABASE}`;
}

async function main(): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say('starting sandbox, API (migrations), worker and a local SSH host…');
  const started = Date.now();
  let stack: LocalStack | undefined;
  const shutdown = async (code: number) => {
    say('\nstopping everything this demo started…');
    await stack?.stop();
    if (JOURNEY) {
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`));
      await dropRedisKeys(`enclave-${RUN}`);
      // Kept after a failure: its logs say what went wrong.
      if (code === 0) rmSync(STATE_DIR, { recursive: true, force: true });
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  try {
    stack = await startLocalStack({ stateDir: STATE_DIR, databaseUrl: await ensureDatabase(), redisPrefix: `enclave-${RUN}`, ports: PORTS, heartbeatMs: JOURNEY ? 2_000 : 10_000 });
  } catch (error) {
    say(`could not start: ${(error as Error).message}\nlogs: ${join(STATE_DIR, 'logs')}`);
    process.exit(1);
  }
  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  say(`  web app + API   ${stack.apiUrl}            (OpenAPI: ${stack.apiUrl}/api/docs)`);
  say(`  sandbox         ${stack.sandboxUrl}            (caught mail: ${stack.sandboxUrl}/mail/messages)`);
  say(`  local host      ssh root@127.0.0.1 -p ${PORTS.sshd}   (registered in the pool as ${stack.host.name})`);
  say(`  staff           sign in as ${STAFF_EMAIL} with an email link (read it in the caught mail)`);
  say(`  logs            ${stack.logDir}\n`);
  if (JOURNEY) {
    say('playing the user journey:');
    try {
      const steps = await runJourney(stack, (step) => say(`  ✓ ${step.name.padEnd(42)} ${`${(step.ms / 1000).toFixed(1)} s`.padStart(7)}  ${step.detail}`));
      say(`\n${summaryTable(steps)}\n\njourney complete.`);
      await shutdown(0);
    } catch (error) {
      say(`  ✗ ${(error as Error).message}\n  logs: ${stack.logDir}`);
      await shutdown(1);
    }
    return;
  }
  say('Next: open the web app, sign in with GitHub (the sandbox page lets you pick a user), create a');
  say('workspace and pay with card 4242 4242 4242 4242; provisioning runs onto the local host.');
  say('Ctrl-C stops everything.');
}

void main();
