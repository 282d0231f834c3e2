/**
 * Provisioning on loopback hosts (real sshd, the real bundle, API + worker processes, the
 * Cloudflare stand-in — apps/api/test/provisioning-harness.ts): one workspace enqueue → active
 * with its steps, the first one after a deploy (fresh bundle cache, worker just started), and
 * fleets of 5/10/20 at once; floors measured in the same run: SSH connect + upload + verify +
 * unpack + runtime start (bench/provisioning-floor.ts), and ⌈N / concurrency⌉ × single; and the
 * upload step with and without the Node runtime already on the host (upgrades send only the app).
 *
 *   node -r @swc-node/register bench/provisioning.bench.ts [--fleets 5,10,20] [--no-write]
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProvisioningRunEntity, ProvisioningStepEntity } from '@enclave/persistence';
import { startTestSshd } from '@enclave/testing';
import { REPO_ROOT, startProvisioningHarness } from '../apps/api/test/provisioning-harness';
import globalSetup from '../libs/testing/src/global-setup';
import globalTeardown from '../libs/testing/src/global-teardown';
import { buildAgentNodeBundle } from '../provisioning/src/bundle/bundle-builder';
import { provisioningFloor, uploadFigures } from './provisioning-floor';
import { provisioningReport, type Single } from './provisioning-report';
import { benchContext, flagValue, writeBenchmarkSection } from './report';

const FLEETS = (flagValue('--fleets') ?? '5,10,20').split(',').filter(Boolean).map(Number);
const CONCURRENCY = Number(flagValue('--concurrency') ?? 4);

/** Resolves once a bundle's manifest is in the cache (the worker built it at start-up). */
async function waitForBundle(cacheDir: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!readdirSync(cacheDir).some((entry) => existsSync(join(cacheDir, entry, 'manifest.json')))) {
    if (Date.now() > deadline) throw new Error('the worker did not build the bundle at start-up');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  await globalSetup();
  const cacheDir = mkdtempSync(join(tmpdir(), 'enclave-bundles-'));
  const h = await startProvisioningHarness({
    PROVISIONING_BUNDLE_CACHE_DIR: cacheDir,
    QUEUE_CONCURRENCY: `provisioning=${CONCURRENCY}`,
  });
  try {
    const latestRun = (workspaceId: string) =>
      h.api.dataSource
        .getRepository(ProvisioningRunEntity)
        .findOneOrFail({ where: { workspaceId, action: 'provision' }, order: { createdAt: 'DESC' } });
    const steps = async (workspaceId: string) => {
      const run = await latestRun(workspaceId);
      const rows = await h.api.dataSource.getRepository(ProvisioningStepEntity).find({ where: { runId: run.id } });
      return rows
        .filter((s) => s.startedAt && s.finishedAt)
        .sort((a, b) => (a.startedAt as Date).getTime() - (b.startedAt as Date).getTime())
        .map((s) => ({ name: s.name, ms: (s.finishedAt as Date).getTime() - (s.startedAt as Date).getTime() }));
    };
    const provision = async (slugs: string[]): Promise<{ ms: number; ids: string[] }> => {
      const t0 = Date.now();
      const ids: string[] = [];
      for (const slug of slugs) ids.push(await h.paidWorkspace(slug));
      const statuses = await Promise.all(
        ids.map((id) => h.waitForStatus(id, ['active', 'provisioning_failed'], 600_000)),
      );
      if (statuses.some((s) => s !== 'active')) throw new Error(`provisioning failed: ${statuses.join(', ')}`);
      // Ends when the last run finished (it made its workspace active just before), not when the
      // 250 ms status poll noticed.
      const finished = await Promise.all(
        ids.map(async (id) => (await latestRun(id)).finishedAt?.getTime() ?? Date.now()),
      );
      return { ms: Math.max(...finished) - t0, ids };
    };

    // 1. First provisioning after a deploy: empty bundle cache, the worker builds the bundle as
    //    it starts; the workspace is enqueued once that build is done.
    await h.addHost();
    const deployed = Date.now();
    let worker = h.startWorker('bench-first');
    const builtMs = await waitForBundle(cacheDir).then(() => Date.now() - deployed);
    const first = await provision(['bench-first']);
    const firstSteps = await steps(first.ids[0]);
    await worker.kill('SIGTERM');

    // 2. Single, steady state (bundle built, worker warm): the median of 3.
    worker = h.startWorker('bench');
    const singles: Single[] = [];
    for (let i = 0; i < 3; i += 1) {
      await h.addHost();
      const one = await provision([`bench-single-${i}`]);
      singles.push({ ms: one.ms, steps: await steps(one.ids[0]) });
    }
    singles.sort((a, b) => a.ms - b.ms);
    const single = singles[1];

    // 3. The floor, on a host of its own, with the same bundle.
    const bundle = await buildAgentNodeBundle({ repoRoot: REPO_ROOT, cacheDir });
    const floorHost = await startTestSshd({ clientKeyPath: h.sshKeyPath });
    const floor = await provisioningFloor(floorHost, h.sshKeyPath, bundle);
    const upload = await uploadFigures(floorHost, h.sshKeyPath, bundle);
    await floorHost.destroy();

    // 4. Fleets at once.
    const fleets: Array<{ n: number; ms: number }> = [];
    for (const n of FLEETS) {
      for (let i = 0; i < n; i += 1) await h.addHost();
      const run = await provision(Array.from({ length: n }, (_, i) => `bench-fleet-${n}-${i}`));
      fleets.push({ n, ms: run.ms });
      console.log(`fleet of ${n}: ${(run.ms / 1000).toFixed(1)} s`);
    }
    await worker.kill('SIGTERM');

    const text = provisioningReport({
      context: benchContext(),
      first: { ms: first.ms, steps: firstSteps },
      builtAtStartMs: builtMs,
      single,
      floor,
      fleets,
      concurrency: CONCURRENCY,
      appBytes: bundle.bytes,
      runtimeBytes: bundle.runtime.bytes,
      upload,
    });
    console.log(text);
    writeBenchmarkSection('Provisioning', text);
  } finally {
    await h.close();
    rmSync(cacheDir, { recursive: true, force: true });
    await globalTeardown();
  }
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
