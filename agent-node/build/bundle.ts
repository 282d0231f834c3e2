import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Builds the agent node into a directory that runs with a plain `node agent-node.js`:
 *
 *   <outDir>/agent-node.js                      the node (entry agent-node/src/main.ts)
 *   <outDir>/node_modules/openai/index.js       \
 *   <outDir>/node_modules/@anthropic-ai/sdk/…    > single-file bundles, `require`d lazily on
 *   <outDir>/node_modules/grammy/index.js       /  first use (keeps idle memory down)
 *
 *   <outDir>/better_sqlite3.node                the only native piece (better-sqlite3's addon,
 *                                               found next to agent-node.js at run time)
 *
 * better-sqlite3's JavaScript is bundled; its addon must match the Node binary it runs on
 * (same ABI as the Node used here, or rebuild it for the target). `keepNames` is a safety net: grammY's default
 * fetch (node-fetch v2 + abort-controller) checks class names; the node hands grammY Node's own
 * fetch, which does not.
 */
export const LAZY_PACKAGES = ['openai', '@anthropic-ai/sdk', 'grammy'] as const;

export async function buildAgentNodeBundle(outDir: string, repoRoot = join(__dirname, '..', '..')): Promise<{ entry: string }> {
  mkdirSync(outDir, { recursive: true });
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', keepNames: true, minify: true, legalComments: 'none', logLevel: 'error' } as const;
  const entry = join(outDir, 'agent-node.js');
  await build({
    ...common,
    entryPoints: [join(repoRoot, 'agent-node', 'src', 'main.ts')],
    outfile: entry,
    external: [...LAZY_PACKAGES],
    tsconfig: join(repoRoot, 'tsconfig.base.json'),
  });
  copyFileSync(join(repoRoot, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), join(outDir, 'better_sqlite3.node'));
  for (const pkg of LAZY_PACKAGES) {
    const dir = join(outDir, 'node_modules', pkg);
    mkdirSync(dir, { recursive: true });
    await build({ ...common, stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: repoRoot, loader: 'js' }, outfile: join(dir, 'index.js') });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: pkg, main: 'index.js', private: true }));
  }
  return { entry };
}
