/**
 * The control plane's `GET /api/workspaces/:id` (session cookie, membership check, one
 * workspace read) in requests per second against the floor: a bare Nest route on the same
 * platform (Express) answering a constant JSON, in the same process and run.
 *
 *   node -r @swc-node/register bench/api-workspace.bench.ts [--seconds 5] [--concurrency 16] [--no-write]
 */
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApiHarness } from '../apps/api/test/api-harness';
import { signInByEmail } from '../apps/api/test/sign-in';
import globalSetup from '../libs/testing/src/global-setup';
import globalTeardown from '../libs/testing/src/global-teardown';
import { percentile } from './agent-node-load';
import { benchContext, flagValue, writeBenchmarkSection } from './report';

const SECONDS = Number(flagValue('--seconds') ?? 5);
const CONCURRENCY = Number(flagValue('--concurrency') ?? 16);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

@Controller('bare')
class BareController {
  @Get(':id')
  get(): { id: string; name: string } {
    return { id: '00000000-0000-4000-8000-000000000000', name: 'Bare' };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function load(url: string, headers: Record<string, string>, ms: number) {
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() - started < ms) {
        const t0 = performance.now();
        if ((await get(url, headers)) !== 200) failures += 1;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { rate: latencies.length / ((performance.now() - started) / 1000), latencies, failures };
}

async function main(): Promise<void> {
  await globalSetup();
  const api = await startApiHarness();
  let bare: INestApplication | undefined;
  try {
    const cookie = await signInByEmail(api, 'bench@api.test');
    const created = await api
      .http()
      .post('/api/workspaces')
      .set('cookie', cookie)
      .send({ name: 'Bench', slug: 'bench-api' });
    const url = `${api.url}/api/workspaces/${created.body.id as string}`;
    bare = await NestFactory.create(BareModule, { logger: false });
    await bare.listen(0, '127.0.0.1');
    const bareUrl = `http://127.0.0.1:${(bare.getHttpServer().address() as AddressInfo).port}/bare/${created.body.id as string}`;
    await load(url, { cookie }, 1000); // warm-up
    await load(bareUrl, {}, 1000);
    const route = await load(url, { cookie }, SECONDS * 1000);
    const floor = await load(bareUrl, {}, SECONDS * 1000);
    const ratio = route.rate / floor.rate;
    const text = [
      `${benchContext()} ${CONCURRENCY} concurrent keep-alive clients for ${SECONDS} s each, in the API's own process (apps/api/test/api-harness.ts: the real app, PostgreSQL, Redis); the floor is a bare Nest controller on the same Express platform returning a constant JSON, measured in the same run.`,
      '',
      '| route | requests/s | p50 / p99 | ratio to the floor |',
      '|---|---|---|---|',
      `| \`GET /api/workspaces/:id\` (session, membership, one read) | ${route.rate.toFixed(0)}/s${route.failures ? ` (${route.failures} not 200)` : ''} | ${percentile(route.latencies, 50).toFixed(1)} / ${percentile(route.latencies, 99).toFixed(1)} ms | ${ratio.toFixed(2)}× |`,
      `| bare Nest route (floor) | ${floor.rate.toFixed(0)}/s | ${percentile(floor.latencies, 50).toFixed(1)} / ${percentile(floor.latencies, 99).toFixed(1)} ms | 1.00× |`,
      '',
      "Where the time goes: four PostgreSQL round trips one after the other (session by token hash, its user, the membership, the workspace: apps/api/src/auth/session.service.ts, workspace-access.service.ts) and the API's global middleware and guards; the floor has none of them. No target is set for this row.",
      '',
      'Reproduce: `npm run bench -- api-workspace`.',
    ].join('\n');
    console.log(text);
    writeBenchmarkSection('API: GET /api/workspaces/:id', text);
  } finally {
    await bare?.close();
    await api.close();
    await globalTeardown();
  }
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
