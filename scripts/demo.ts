import Redis from 'ioredis';
import { Client } from 'pg';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CustomerIdentity, setUpCustomerWorkspace } from './stack/customer-workspace';
import { endUserRoundTrip } from './stack/end-user';
import { runJourney } from './stack/journey';
import { type JourneyStep, stepRunner, summaryTable } from './stack/journey-steps';
import { type LocalStack, STAFF_EMAIL, startLocalStack } from './stack/local-stack';

/**
 * `npm run demo`: the whole product on this machine until Ctrl-C, with one demo workspace
 * whose agent node is provisioned onto the local host and answers on Telegram.
 * `npm run demo -- --journey`: the same stack, then the whole user journey played step by step.
 *
 * Every run starts from nothing: the sandbox (every external service) keeps its state in
 * memory, so a database from an earlier run would point at bots, DNS records and
 * subscriptions that no longer exist. The demo's database and logs stay after Ctrl-C for a
 * look, until the next run; a journey's are removed when it succeeds.
 */
const JOURNEY = process.argv.includes('--journey');
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
  for (let cursor = '0'; ;) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  redis.disconnect();
}

/** An empty database, Redis prefix and state directory for this run. */
async function freshState(): Promise<string> {
  await admin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${DATABASE}"`);
  });
  await dropRedisKeys(`enclave-${RUN}`);
  rmSync(STATE_DIR, { recursive: true, force: true });
  return `postgres://postgres@127.0.0.1:5432/${DATABASE}`;
}

const DEMO_CUSTOMER: CustomerIdentity = {
  login: 'demo-customer',
  name: 'Demo Customer',
  slug: 'demo',
  workspaceName: 'Demo shop',
};
const printStep = (say: (line: string) => void) => (step: JourneyStep) =>
  say(`  ✓ ${step.name.padEnd(42)} ${`${(step.ms / 1000).toFixed(1)} s`.padStart(7)}  ${step.detail}`);

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
    stack = await startLocalStack({
      stateDir: STATE_DIR,
      databaseUrl: await freshState(),
      redisPrefix: `enclave-${RUN}`,
      ports: PORTS,
      heartbeatMs: JOURNEY ? 2_000 : 10_000,
    });
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
      const { steps } = await runJourney(stack, printStep(say));
      say(`\n${summaryTable(steps)}\n\njourney complete.`);
      await shutdown(0);
    } catch (error) {
      say(`  ✗ ${(error as Error).message}\n  logs: ${stack.logDir}`);
      await shutdown(1);
    }
    return;
  }
  say('setting up the demo workspace and its agent node:');
  try {
    const { step } = stepRunner(printStep(say));
    const demo = await setUpCustomerWorkspace(stack, step, DEMO_CUSTOMER);
    await endUserRoundTrip(stack, step, demo, 'Hello! Is anyone there?');
    const bot = `${stack.sandboxUrl}/telegram/_test/bots/${demo.botToken}`;
    say(
      `\nworkspace "${DEMO_CUSTOMER.workspaceName}" is active; its agent node runs on the local host as ${demo.hostname}.`,
    );
    say(`  sign in         ${stack.apiUrl}, "Continue with GitHub" as ${DEMO_CUSTOMER.login}`);
    say(`  Telegram bot    @${demo.botUsername}; write to it as an end user:`);
    say(
      `                  curl -s -X POST ${bot}/updates -H 'content-type: application/json' -d '{"chatId":42,"text":"Do you ship to Lisbon?"}'`,
    );
    say(`  its replies     curl -s ${bot}/sent`);
  } catch (error) {
    say(`  ✗ ${(error as Error).message}\n  logs: ${stack.logDir}`);
    await shutdown(1);
    return;
  }
  say('\nThe demo workspace holds the local host; to provision another workspace, register a host as staff first.');
  say('Ctrl-C stops everything.');
}

void main();
