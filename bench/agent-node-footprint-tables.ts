import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECOMMENDED_NODE_FLAGS } from '../agent-node/build/bundle';
import type { Mode, Sample } from './agent-node-footprint-measure';
import { ROOT } from './agent-node-host-app';

const DOC = join(ROOT, 'docs', 'agent-node.md');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** docs/agent-node.md's table: medians and maxima of every mode, in absolute figures. */
export function footprintTable(results: Map<Mode, Sample[]>, runs: number): string {
  const row = (mode: string, xs: Sample[]) => {
    const st = xs.map((x) => x.startupMs);
    const rss = xs.map((x) => x.coldRssMb);
    const warm = xs.find((x) => x.warmRssMb)?.warmRssMb;
    const restarted = xs.map((x) => x.restartedRssMb);
    return `| ${mode} | ${median(st).toFixed(0)} ms | ${Math.max(...st).toFixed(0)} ms | ${median(rss).toFixed(1)} MB | ${Math.max(...rss).toFixed(1)} MB | ${median(restarted).toFixed(1)} MB | ${warm ? `${warm.toFixed(1)} MB` : 'n/a'} |`;
  };
  return [
    `Measured ${new Date().toISOString().slice(0, 10)} by \`bench/agent-node-footprint.bench.ts\` (${runs} runs per mode, Node ${process.version}, ${process.platform}/${process.arch}; shared 2-core machine, so treat as indicative).`,
    '',
    '| mode | start-up (median) | start-up (max) | idle RSS just configured (median) | idle RSS (max) | idle RSS after a restart (median) | RSS 30 s after 20 replies (first run) |',
    '|---|---|---|---|---|---|---|',
    ...[...results].map(([mode, xs]) => row(mode.name, xs)),
    '',
    'Targets: start-up < 1 s, idle RSS <= 60 MB.',
  ].join('\n');
}

/** Puts `table` between the bench markers of docs/agent-node.md; returns the file written. */
export function writeFootprintTable(table: string): string {
  const doc = readFileSync(DOC, 'utf8');
  const next = doc.replace(
    /<!-- bench:start -->[\s\S]*<!-- bench:end -->/,
    `<!-- bench:start -->\n${table}\n<!-- bench:end -->`,
  );
  writeFileSync(DOC, next);
  return DOC;
}

/** docs/BENCHMARKS.md: medians as ratios against the same bundle on V8's default flags. */
export function benchmarkSummary(results: Map<Mode, Sample[]>): string {
  const medians = [...results].map(([mode, xs]) => ({
    mode,
    startupMs: median(xs.map((x) => x.startupMs)),
    configuredMb: median(xs.map((x) => x.coldRssMb)),
    restartedMb: median(xs.map((x) => x.restartedRssMb)),
    afterTrafficMb: xs.find((x) => x.warmRssMb)?.warmRssMb ?? NaN,
  }));
  const baseline = medians.find((m) => m.mode.bundle && m.mode.flags.length === 0);
  if (!baseline) throw new Error('the baseline mode (bundle, default V8 flags) was not measured');
  const shipped = medians.find((m) => m.mode.flags === RECOMMENDED_NODE_FLAGS) ?? baseline;
  const cell = (value: number, base: number, unit: string, digits: number) =>
    Number.isNaN(value)
      ? 'n/a'
      : `${value.toFixed(digits)} ${unit}${value === base ? '' : ` (${(value / base).toFixed(2)}×)`}`;
  const idle = Math.max(shipped.configuredMb, shipped.restartedMb);
  return [
    `Measured ${new Date().toISOString().slice(0, 10)} by \`bench/agent-node-footprint.bench.ts\` (median of ${results.get(baseline.mode)?.length} runs per mode, same session, Node ${process.version}; the node runs as on a host: \`launcher.js\` with its TLS terminator, heartbeats every 2 s; details in [agent-node.md](agent-node.md#footprint)). Baseline: the same bundle on V8's default flags.`,
    '',
    '| mode | start-up | idle RSS, just configured | idle RSS after a restart | RSS 30 s after 20 replies |',
    '|---|---|---|---|---|',
    ...medians.map(
      (m) =>
        `| ${m.mode.name}${m === baseline ? ' (baseline)' : ''} | ${cell(m.startupMs, baseline.startupMs, 'ms', 0)} | ${cell(m.configuredMb, baseline.configuredMb, 'MB', 1)} | ${cell(m.restartedMb, baseline.restartedMb, 'MB', 1)} | ${cell(m.afterTrafficMb, baseline.afterTrafficMb, 'MB', 1)} |`,
    ),
    '',
    `Targets, for the shipped mode: start-up < 1 s (${shipped.startupMs < 1000 ? 'met' : '**not met**'}, ${shipped.startupMs.toFixed(0)} ms); idle RSS <= 60 MB (${idle <= 60 ? 'met' : '**not met**'}, ${Math.min(shipped.configuredMb, shipped.restartedMb).toFixed(1)}–${idle.toFixed(1)} MB).`,
  ].join('\n');
}
