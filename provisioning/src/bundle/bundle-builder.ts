import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  copyFileSync,
  chmodSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Builds the bundle's app/ and node.env by the agent node's recipe, in its own process (see the script). */
const BUILD_NODE_APP_SCRIPT = join(__dirname, '../../scripts/build-node-app.ts');

/** A built agent-node bundle: one .tar.gz, addressed by version, checked by SHA-256. */
export interface AgentNodeBundle {
  readonly version: string;
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  /** Node runtime packed in the bundle (same major as the native module's ABI). */
  readonly nodeVersion: string;
}

export interface BundleBuildOptions {
  /** Repository root (holds agent-node/, provisioning/host/, node_modules/). */
  readonly repoRoot: string;
  /** Where built bundles are kept, one directory per version. */
  readonly cacheDir: string;
  /** Node binary packed as the runtime; defaults to the one running this code. */
  readonly nodeBinary?: string;
}

const HOST_SCRIPTS = ['install.sh', 'supervisor.sh', 'nodectl.sh', 'wipe.sh'];

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function nativeModulePath(repoRoot: string): string {
  return join(repoRoot, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
}

/**
 * Hash of everything that goes into the bundle: sources of the node and the libraries it
 * imports, host scripts, the lockfile, the native module and the runtime's version. Same
 * inputs, same version: the build is skipped when the cache has it.
 */
export function bundleInputHash(options: BundleBuildOptions): string {
  const hash = createHash('sha256');
  const roots = [
    'agent-node/src',
    'agent-node/build',
    'agent-node/package.json',
    'libs/node-protocol/src',
    'libs/secrets/src',
    'provisioning/host',
    'provisioning/src/tls',
    'provisioning/src/bundle',
    'provisioning/scripts/build-node-app.ts',
    'package-lock.json',
  ];
  for (const root of roots) {
    const absolute = join(options.repoRoot, root);
    const files = existsSync(absolute) && statSync(absolute).isFile() ? [absolute] : listFiles(absolute);
    for (const file of files.filter((f) => !f.endsWith('.spec.ts'))) {
      hash.update(relative(options.repoRoot, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  hash.update(readFileSync(nativeModulePath(options.repoRoot)));
  hash.update(options.nodeBinary ? `${options.nodeBinary}:${statSync(options.nodeBinary).size}` : process.version);
  return hash.digest('hex');
}

/** Keeps the newest few versions in the cache (each holds a Node runtime: ~40 MB). */
function pruneCache(cacheDir: string, keep: string, versionsToKeep = 4): void {
  const versions = readdirSync(cacheDir, { withFileTypes: true })
    .filter(
      (entry) =>
        entry.isDirectory() && !entry.name.startsWith('.') && existsSync(join(cacheDir, entry.name, 'manifest.json')),
    )
    .map((entry) => ({ name: entry.name, mtime: statSync(join(cacheDir, entry.name, 'manifest.json')).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of versions.slice(versionsToKeep))
    if (old.name !== keep) rmSync(join(cacheDir, old.name), { recursive: true, force: true });
}

/** Builds (or takes from the cache) the agent-node bundle for the current sources. */
export async function buildAgentNodeBundle(options: BundleBuildOptions): Promise<AgentNodeBundle> {
  const agentPackage = JSON.parse(readFileSync(join(options.repoRoot, 'agent-node/package.json'), 'utf8')) as {
    version: string;
  };
  const inputHash = bundleInputHash(options);
  const version = `${agentPackage.version}-${inputHash.slice(0, 12)}`;
  const dir = join(options.cacheDir, version);
  const manifestPath = join(dir, 'manifest.json');
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as AgentNodeBundle;
    if (existsSync(manifest.path) && (await sha256File(manifest.path)) === manifest.sha256) return manifest;
  }

  const stage = join(options.cacheDir, `.${version}.${process.pid}.stage`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'bin'), { recursive: true });
  mkdirSync(join(stage, 'scripts'), { recursive: true });
  await run(process.execPath, [
    '-r',
    require.resolve('@swc-node/register'),
    BUILD_NODE_APP_SCRIPT,
    stage,
    options.repoRoot,
  ]);
  const nodeBinary = options.nodeBinary ?? process.execPath;
  copyFileSync(nodeBinary, join(stage, 'bin/node'));
  chmodSync(join(stage, 'bin/node'), 0o755);
  for (const script of HOST_SCRIPTS) {
    copyFileSync(join(options.repoRoot, 'provisioning/host', script), join(stage, 'scripts', script));
    chmodSync(join(stage, 'scripts', script), 0o755);
  }
  const nodeVersion = (await run(nodeBinary, ['--version'])).stdout.trim();
  // The native module must load in the runtime it ships with (same Node major = same ABI).
  await run(join(stage, 'bin/node'), [
    '-e',
    `require(${JSON.stringify(join(stage, 'app/better_sqlite3.node'))})`,
  ]).catch((error: Error) => {
    throw new Error(`better_sqlite3.node does not load in the bundled runtime ${nodeVersion}: ${error.message}`);
  });
  writeFileSync(join(stage, 'VERSION'), version);
  writeFileSync(
    join(stage, 'BUILD.json'),
    JSON.stringify({ version, inputHash, nodeVersion, builtAt: new Date().toISOString() }, null, 2),
  );

  mkdirSync(dir, { recursive: true });
  const partial = join(dir, `bundle.tar.gz.${process.pid}.partial`);
  // gzip -1: the bundle is mostly the Node runtime, where level 6 spends seconds for little size
  // (figures: bench/bundle.bench.ts); hosts unpack it with plain tar -xzf either way.
  await run('tar', ['-I', 'gzip -1', '-cf', partial, '--owner=0', '--group=0', '--numeric-owner', '-C', stage, '.']);
  const path = join(dir, `enclave-node-${version}.tar.gz`);
  renameSync(partial, path);
  rmSync(stage, { recursive: true, force: true });
  const bundle: AgentNodeBundle = {
    version,
    path,
    sha256: await sha256File(path),
    bytes: statSync(path).size,
    nodeVersion,
  };
  writeFileSync(`${manifestPath}.${process.pid}.partial`, JSON.stringify(bundle, null, 2));
  renameSync(`${manifestPath}.${process.pid}.partial`, manifestPath);
  pruneCache(options.cacheDir, version);
  return bundle;
}
