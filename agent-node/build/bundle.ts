import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { writeWidgetAssets } from './widget-bundle';

/** The node finds it next to its script (SQLITE_ADDON_FILE in src/storage/database.ts). */
const SQLITE_ADDON = 'better_sqlite3.node';
/** The extractor child's entry, next to agent-node.js (see agent-node/src/knowledge/extractor/extractor.ts). */
const KNOWLEDGE_EXTRACTOR_FILE = 'knowledge-extractor.js';

/**
 * Builds the agent node into a directory that runs with a plain `node agent-node.js`:
 *
 *   <outDir>/agent-node.js                      the node (entry agent-node/src/main.ts)
 *   <outDir>/node_modules/openai/index.js       \
 *   <outDir>/node_modules/@anthropic-ai/sdk/…    > single-file bundles, `require`d lazily on
 *   <outDir>/node_modules/grammy/index.js       /  first use (keeps idle memory down)
 *
 *   <outDir>/widget/loader.js, panel.js         the website widget's browser code (served by the node)
 *   <outDir>/better_sqlite3.node                the only native piece (better-sqlite3's addon,
 *                                               found next to agent-node.js at run time)
 *   <outDir>/knowledge-extractor.js             the knowledge base's extractor child process (second
 *                                               entry: unpdf with its pdf.js, mammoth, readability,
 *                                               linkedom, turndown; forked by the node, never loaded in it)
 *
 * better-sqlite3's JavaScript is bundled; its addon must match the Node binary it runs on
 * (same ABI as the Node used here, or rebuild it for the target). `keepNames` is required:
 * grammY's transport (node-fetch v2 + abort-controller) checks the AbortSignal's class name.
 * `whatwg-url` is replaced by Node's own URL (see build/whatwg-url.js).
 */
export const LAZY_PACKAGES = ['openai', '@anthropic-ai/sdk', 'grammy', 'nodemailer'] as const;

/**
 * V8 flags the node runs with on a host (the provisioning bundle writes them to `node.env`,
 * read by the systemd unit and the supervisor): a 1 MB young generation and V8's memory-saving mode. Measured
 * in bench/agent-node-footprint.bench.ts.
 */
export const RECOMMENDED_NODE_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size'] as const;

/** esbuild options for everything that runs on a node (the node, its lazy packages, host helpers). */
export function nodeBundleOptions(repoRoot = join(__dirname, '..', '..')) {
  return {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    keepNames: true,
    minify: true,
    legalComments: 'none',
    logLevel: 'error',
    tsconfig: join(repoRoot, 'tsconfig.base.json'),
    alias: { 'whatwg-url': join(__dirname, 'whatwg-url.js') },
  } as const;
}

export async function buildAgentNodeBundle(
  outDir: string,
  repoRoot = join(__dirname, '..', '..'),
): Promise<{ entry: string }> {
  mkdirSync(outDir, { recursive: true });
  const common = nodeBundleOptions(repoRoot);
  const entry = join(outDir, 'agent-node.js');
  await build({
    ...common,
    entryPoints: [join(repoRoot, 'agent-node', 'src', 'main.ts')],
    outfile: entry,
    external: [...LAZY_PACKAGES],
  });
  await writeWidgetAssets(outDir);
  await build({
    ...common,
    entryPoints: [join(repoRoot, 'agent-node', 'src', 'knowledge', 'extractor', 'extractor-child.ts')],
    outfile: join(outDir, KNOWLEDGE_EXTRACTOR_FILE),
  });
  copyFileSync(
    join(repoRoot, 'node_modules', 'better-sqlite3', 'build', 'Release', SQLITE_ADDON),
    join(outDir, SQLITE_ADDON),
  );
  for (const pkg of LAZY_PACKAGES) {
    const dir = join(outDir, 'node_modules', pkg);
    mkdirSync(dir, { recursive: true });
    await build({
      ...common,
      stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: repoRoot, loader: 'js' },
      outfile: join(dir, 'index.js'),
    });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: pkg, main: 'index.js', private: true }));
  }
  return { entry };
}
