import type { FloorSteps, UploadFigures } from './provisioning-floor';

export interface Single {
  readonly ms: number;
  readonly steps: Array<{ name: string; ms: number }>;
}

interface Report {
  readonly context: string;
  readonly first: Single;
  /** Worker start → bundle in the cache (built at start-up, before any job). */
  readonly builtAtStartMs: number;
  readonly single: Single;
  readonly floor: FloorSteps;
  readonly fleets: Array<{ n: number; ms: number }>;
  readonly concurrency: number;
  readonly appBytes: number;
  readonly runtimeBytes: number;
  readonly upload: UploadFigures;
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
const stepList = (x: Single) => x.steps.map((st) => `${st.name} ${s(st.ms)}`).join(', ');

/** The "Provisioning" section of docs/BENCHMARKS.md. */
export function provisioningReport(r: Report): string {
  const floorMs = r.floor.connectMs + r.floor.uploadMs + r.floor.verifyMs + r.floor.unpackMs + r.floor.startMs;
  const ratio = r.single.ms / floorMs;
  const extraFirst = r.first.ms - r.single.ms;
  const uploadOf = (x: Single) => x.steps.find((st) => st.name === 'upload')?.ms ?? 0;
  const firstUpload = uploadOf(r.first);
  const singleUpload = uploadOf(r.single);
  return [
    `${r.context} Loopback hosts: real OpenSSH servers on 127.0.0.1, the real bundle (app ${mb(r.appBytes)} + Node runtime ${mb(r.runtimeBytes)}; every host is fresh, so each provisioning sends both), the API and a worker process, the Cloudflare stand-in (apps/api/test/provisioning-harness.ts). Times run from the workspace's creation and enqueue to the moment its provisioning run finished (\`provisioning_runs.finished_at\`, just after the workspace became \`active\`); steps from \`provisioning_steps\`.`,
    '',
    'Targets: single ≤ 1.5× the floor; the bundle never built inside a job; N at once ≤ 1.2× ⌈N / concurrency⌉ × single.',
    '',
    '| what | now | floor / baseline | ratio | target |',
    '|---|---|---|---|---|',
    `| one workspace, enqueue → active (median of 3) | ${s(r.single.ms)} | ${s(floorMs)}: SSH connect ${s(r.floor.connectMs)} + upload ${s(r.floor.uploadMs)} + verify ${s(r.floor.verifyMs)} + unpack ${s(r.floor.unpackMs)} + runtime start ${s(r.floor.startMs)} | ${ratio.toFixed(2)}× | ≤ 1.5×: ${verdict(ratio <= 1.5)} |`,
    `| first provisioning after a deploy (empty bundle cache; the worker built the bundle in ${s(r.builtAtStartMs)} as it started) | ${s(r.first.ms)} | the single above | ${extraFirst >= 0 ? '+' : ''}${s(extraFirst)} | bundle not built in a job: ${verdict(firstUpload <= singleUpload * 1.5 + 1_000)} (upload step ${s(firstUpload)}, single ${s(singleUpload)}) |`,
    ...r.fleets.map((f) => {
      const ideal = Math.ceil(f.n / r.concurrency) * r.single.ms;
      return `| ${f.n} workspaces at once (queue concurrency ${r.concurrency}) | ${s(f.ms)} | ⌈${f.n} / ${r.concurrency}⌉ × single = ${s(ideal)} | ${(f.ms / ideal).toFixed(2)}× | ≤ 1.2×: ${verdict(f.ms / ideal <= 1.2)} |`;
    }),
    `| upload step, host already has the runtime (upgrade, re-install: app ${mb(r.appBytes)} only) | ${s(r.upload.runtimePresentMs)} | the same step on a fresh host (runtime + app): ${s(r.upload.freshMs)} | ${(r.upload.runtimePresentMs / r.upload.freshMs).toFixed(2)}× | only the app moves |`,
    '',
    `Steps of the median single run: ${stepList(r.single)}. Of the first run after a deploy: ${stepList(r.first)}.`,
    '',
    "Reproduce: `npm run bench -- provisioning` (`--fleets 5` for a shorter run; `--concurrency 8` sets the worker's provisioning concurrency through QUEUE_CONCURRENCY).",
  ].join('\n');
}
