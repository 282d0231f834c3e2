import { type LoadResult, percentile } from './agent-node-load';

export interface Measured extends LoadResult {
  readonly concurrency: number;
  readonly cpuMsPerReply: number;
  readonly peakRssMb: number;
}

interface Report {
  readonly context: string;
  readonly seconds: number;
  readonly telegram: Measured[];
  readonly whatsapp: Measured[];
  readonly floors: Measured[];
  readonly idleRssMb: number;
  readonly peakRssMb: number;
  readonly afterRssMb: number;
}

const rate = (m: Measured) => m.replies / m.seconds;
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

/** The "Agent node: replies per second" section: one row per channel and concurrency, the floor beside it. */
export function throughputReport(r: Report): string {
  const row = (channel: string, m: Measured, minRatio: number) => {
    const f = r.floors.find((x) => x.concurrency === m.concurrency) as Measured;
    const ratio = rate(m) / rate(f);
    const cpuRatio = m.cpuMsPerReply / f.cpuMsPerReply;
    const added = percentile(m.latenciesMs, 99) - percentile(f.latenciesMs, 99);
    const targeted = m.concurrency === 16;
    return `| ${channel} | ${m.concurrency} | ${rate(m).toFixed(0)}/s | ${rate(f).toFixed(0)}/s | ${ratio.toFixed(2)}× | ${m.cpuMsPerReply.toFixed(2)} ms (floor ${f.cpuMsPerReply.toFixed(2)} ms, ${cpuRatio.toFixed(1)}×) | ${percentile(m.latenciesMs, 50).toFixed(1)} / ${percentile(m.latenciesMs, 99).toFixed(1)} ms (floor ${percentile(f.latenciesMs, 99).toFixed(1)}; +${added.toFixed(1)}) | ${
      targeted
        ? `≥ ${minRatio}×: ${verdict(ratio >= minRatio)}; CPU ≤ 3×: ${verdict(cpuRatio <= 3)}; p99 +≤ 20 ms: ${verdict(added <= 20)}`
        : '—'
    } |`;
  };
  return [
    `${r.context} ${r.seconds} s per level after a 0.5 s warm-up; closed loop (each end user sends its next message once answered). The node runs as on a host (bundle, \`launcher.js\`, shipped V8 flags, default reply concurrency) with an instant model stand-in; webhooks are posted straight to it; Telegram's sendMessage is answered by a bare proxy (the same for the node and the floor), WhatsApp sends go on to the sandbox's stand-in, which sends the status callbacks. The floor: bare \`node:http\` + one SQLite INSERT (WAL, FULL) + one POST to sendMessage (\`bench/agent-node-floor.ts\`). CPU is the process's user + system time from /proc per reply.`,
    '',
    'Targets at 16 concurrent updates: Telegram ≥ 0.5× the floor, WhatsApp ≥ 0.4×, CPU per reply ≤ 3× the floor, p99 added latency ≤ 20 ms; RSS ≤ 100 MB under load, back near idle after (idle ≤ 60 MB: see "Agent node footprint").',
    '',
    '| channel | concurrent | node | floor | ratio | CPU per reply | latency p50 / p99 | target |',
    '|---|---|---|---|---|---|---|---|',
    ...r.telegram.map((m) => row('Telegram', m, 0.5)),
    ...r.whatsapp.map((m) => row('WhatsApp (signature + status callbacks)', m, 0.4)),
    '',
    `Node RSS: ${r.idleRssMb.toFixed(1)} MB idle after its first replies (model SDK loaded; the idle figure of a fresh node is the footprint benchmark's), peak ${r.peakRssMb.toFixed(1)} MB under load (≤ 100 MB: ${verdict(r.peakRssMb <= 100)}), ${r.afterRssMb.toFixed(1)} MB 10 s after the load.`,
    '',
    'Reproduce: `npm run bench -- agent-node-throughput` (`--seconds 10`, `--levels 16`).',
  ].join('\n');
}
