/**
 * Measures the agent node's start-up time and idle memory, spawning the real process.
 *
 *   node -r @swc-node/register bench/agent-node-footprint.bench.ts [--runs 3] [--no-write]
 *
 * Two ways of running the node are measured:
 *   - "bundle": what a host runs — `node <flags> launcher.js --config …` from the app directory
 *     provisioning ships (agent-node/build/bundle.ts + the launcher), with the launcher's TLS
 *     terminator listening on a self-signed certificate and answering one HTTPS request;
 *   - "dev": `node -r @swc-node/register agent-node/src/main.ts` (transpiles at start-up).
 * Start-up = spawn → first 200 from /healthz. Idle RSS = VmRSS of the process 5 s after the
 * config was applied with heartbeats every 2 s (first configuration: grammY loaded for
 * setWebhook), 5 s after a restart on the same data (steady state: webhooks already
 * registered, nothing loaded lazily yet), and 30 s after it answered 20 messages (model SDKs
 * and grammY loaded). Figures are written into docs/agent-node.md between the bench markers and, as ratios
 * against the default V8 flags, into docs/BENCHMARKS.md.
 */
import { mkdirSync } from 'node:fs';
import { RECOMMENDED_NODE_FLAGS } from '../agent-node/build/bundle';
import { removeDir, tempDir } from '../agent-node/src/testing/node-harness';
import { type Mode, measure, type Sample } from './agent-node-footprint-measure';
import { benchmarkSummary, footprintTable, writeFootprintTable } from './agent-node-footprint-tables';
import { bundle } from './agent-node-host-app';
import { writeBenchmarkSection } from './report';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3; // 3 keeps `npm run bench` under 20 minutes
const write = !process.argv.includes('--no-write');
const onlyBundle = process.argv.includes('--bundle-only');

const MODES: readonly Mode[] = [
  { name: `bundle + \`${RECOMMENDED_NODE_FLAGS.join(' ')}\` (shipped)`, bundle: true, flags: RECOMMENDED_NODE_FLAGS },
  {
    name: `bundle + \`${[...RECOMMENDED_NODE_FLAGS, '--no-opt'].join(' ')}\` (no optimizing compiler)`,
    bundle: true,
    flags: [...RECOMMENDED_NODE_FLAGS, '--no-opt'],
  },
  { name: 'bundle, default V8 flags', bundle: true, flags: [] },
  { name: 'dev (`node -r @swc-node/register`, transpiles at start)', bundle: false, flags: [] },
];

async function main(): Promise<void> {
  const tmp = tempDir('enclave-bundle-');
  mkdirSync(tmp, { recursive: true });
  const bundleFile = await bundle(tmp);
  const results = new Map<Mode, Sample[]>();
  for (const mode of onlyBundle ? MODES.filter((m) => m.bundle) : MODES) {
    results.set(mode, []);
    for (let i = 0; i < runs; i++) {
      const s = await measure(mode, bundleFile, i === 0);
      results.get(mode)?.push(s);
      console.log(
        `${mode.name} run ${i + 1}: start-up ${s.startupMs.toFixed(0)} ms, idle RSS ${s.coldRssMb.toFixed(1)} MB, after restart ${s.restartedRssMb.toFixed(1)} MB${s.warmRssMb ? `, after traffic ${s.warmRssMb.toFixed(1)} MB` : ''}`,
      );
    }
  }
  removeDir(tmp);
  const table = footprintTable(results, runs);
  console.log(`\n${table}`);
  if (write) {
    writeBenchmarkSection('Agent node footprint', benchmarkSummary(results));
    console.log(`\nwritten to ${writeFootprintTable(table)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
