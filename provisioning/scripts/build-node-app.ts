/**
 * Builds what a bundle runs on a host, by the agent node's own recipe (agent-node/build/bundle.ts):
 *
 *   node -r @swc-node/register provisioning/scripts/build-node-app.ts <stageDir> <repoRoot>
 *
 * writes <stageDir>/app (the node, its native addon and lazily loaded SDKs, then the host
 * helpers beside it, built with the same options) and <stageDir>/node.env. The bundle builder
 * runs it as a separate process: the recipe belongs to the agent node, and the control plane
 * runs it as a build tool instead of importing agent-node code.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildAgentNodeBundle, nodeBundleOptions, RECOMMENDED_NODE_FLAGS } from '../../agent-node/build/bundle';

async function main(stage: string, repoRoot: string): Promise<void> {
  await buildAgentNodeBundle(join(stage, 'app'), repoRoot);
  const common = nodeBundleOptions(repoRoot);
  for (const helper of ['launcher', 'tls-csr']) {
    await build({
      ...common,
      entryPoints: [join(repoRoot, `provisioning/host/${helper}.ts`)],
      outfile: join(stage, `app/${helper}.js`),
    });
  }
  // V8 flags for the node, read by the systemd unit (EnvironmentFile) and supervisor.sh.
  writeFileSync(join(stage, 'node.env'), `NODE_FLAGS=${RECOMMENDED_NODE_FLAGS.join(' ')}\n`);
}

const [stage, repoRoot] = process.argv.slice(2);
if (!stage || !repoRoot) throw new Error('usage: build-node-app.ts <stageDir> <repoRoot>');
main(stage, repoRoot).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
