/**
 * The agent-node bundle provisioning uploads: a cold build (esbuild app + runtime + tar/gzip),
 * a cache hit, and its size; the floor is packing the same tree with `tar | gzip -1` alone,
 * with `gzip -6` (what the builder used before) measured beside it in the same run.
 *
 *   node -r @swc-node/register bench/bundle.bench.ts [--no-write]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgentNodeBundle } from '../provisioning/src/bundle/bundle-builder';
import { benchContext, writeBenchmarkSection } from './report';

const ROOT = join(__dirname, '..');

const timed = async <T>(fn: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'enclave-bundle-bench-'));
  try {
    const cacheDir = join(dir, 'cache');
    const [bundle, coldMs] = await timed(() => buildAgentNodeBundle({ repoRoot: ROOT, cacheDir }));
    const [, hitMs] = await timed(() => buildAgentNodeBundle({ repoRoot: ROOT, cacheDir }));
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    execFileSync('tar', ['-xzf', bundle.path, '-C', tree]);
    // The runtime ships beside the app (hosts keep it by hash); the floor packs both as one tree.
    mkdirSync(join(tree, 'bin'));
    execFileSync('sh', ['-c', `gzip -dc '${bundle.runtime.path}' > '${join(tree, 'bin/node')}'`]);
    const runtime = statSync(join(tree, 'bin/node')).size;
    const unpacked = Number(execFileSync('du', ['-sb', tree], { encoding: 'utf8' }).split('\t')[0]);
    const pack = (level: number) =>
      timed(() => execFileSync('sh', ['-c', `tar -cf - -C '${tree}' . | gzip -${level} > '${dir}/p${level}.tgz'`]));
    const [, fast] = await pack(1);
    const [, six] = await pack(6);
    const size = (level: number) => statSync(join(dir, `p${level}.tgz`)).size;
    const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const text = [
      `${benchContext()} \`buildAgentNodeBundle\` (provisioning/src/bundle/bundle-builder.ts) into an empty cache, then again (cache hit: input hash + checksum of the cached archive). Floor: \`tar | gzip -1\` of the same unpacked tree, same run.`,
      '',
      '| what | time | size | ratio |',
      '|---|---|---|---|',
      `| cold build (app build + runtime pack + app pack) | ${s(coldMs)} | ${mb(bundle.bytes + bundle.runtime.bytes)} (app ${mb(bundle.bytes)}, runtime ${mb(bundle.runtime.bytes)}) | ${(coldMs / fast).toFixed(2)}× the floor |`,
      `| cache hit | ${s(hitMs)} | — | — |`,
      `| floor: \`tar \\| gzip -1\` of the tree | ${s(fast)} | ${mb(size(1))} | 1.00× |`,
      `| \`tar \\| gzip -6\` of the tree (the level used before) | ${s(six)} | ${mb(size(6))} | ${(six / fast).toFixed(2)}× |`,
      '',
      `Unpacked: ${mb(unpacked)}, of which the Node runtime is ${mb(runtime)} (${((runtime / unpacked) * 100).toFixed(0)}%). The bundle is built when the worker starts (not inside a provisioning job); a cold build is paid once per deploy.`,
      '',
      'Reproduce: `npm run bench -- bundle`.',
    ].join('\n');
    console.log(text);
    writeBenchmarkSection('Agent-node bundle', text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
