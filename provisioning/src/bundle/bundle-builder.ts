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
import { basename, join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Builds the bundle's app/ and node.env by the agent node's recipe, in its own process (see the script). */
const BUILD_NODE_APP_SCRIPT = join(__dirname, '../../scripts/build-node-app.ts');

/**
 * The Node runtime a bundle runs on, shipped apart from the app: hosts keep runtimes by the
 * SHA-256 of the binary, so a host that has this one is sent only the app (~94% of the bytes
 * are the runtime).
 */
export interface NodeRuntimeArchive {
  /** SHA-256 of the `node` binary itself: what the host checks its copy against. */
  readonly sha256: string;
  /** gzip -1 of the binary. */
  readonly path: string;
  readonly bytes: number;
}

/** A built agent-node bundle: the app as one .tar.gz addressed by version and SHA-256, and its runtime. */
export interface AgentNodeBundle {
  readonly version: string;
  /** The app archive (app/, scripts/, node.env, VERSION, RUNTIME): everything but the runtime. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  /** Node runtime the app runs on (same major as the native module's ABI). */
  readonly nodeVersion: string;
  readonly runtime: NodeRuntimeArchive;
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

const RUNTIMES_DIR = 'runtimes';

/** Keeps the newest few versions in the cache, and the runtime archives they use. */
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
  const manifestOf = (name: string) =>
    JSON.parse(readFileSync(join(cacheDir, name, 'manifest.json'), 'utf8')) as Partial<AgentNodeBundle>;
  const used = new Set(
    readdirSync(cacheDir)
      .filter((name) => existsSync(join(cacheDir, name, 'manifest.json')))
      .map((name) => manifestOf(name).runtime?.path)
      .filter((path): path is string => Boolean(path))
      .map((path) => basename(path)),
  );
  // A .partial archive is one being packed right now (by another process sharing the cache).
  for (const archive of readdirSync(join(cacheDir, RUNTIMES_DIR)))
    if (!used.has(archive) && !archive.endsWith('.partial'))
      rmSync(join(cacheDir, RUNTIMES_DIR, archive), { force: true });
}

/** The runtime's archive in the cache, packed once per runtime binary (not per version). */
async function runtimeArchive(cacheDir: string, nodeBinary: string): Promise<NodeRuntimeArchive> {
  const sha256 = await sha256File(nodeBinary);
  const dir = join(cacheDir, RUNTIMES_DIR);
  const path = join(dir, `node-${sha256}.gz`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    // gzip -1: most of a runtime's bytes compress little more at level 6 for seconds more.
    await run('sh', ['-c', 'gzip -1 -c "$1" > "$2"', 'sh', nodeBinary, partial]);
    renameSync(partial, path);
  }
  return { sha256, path, bytes: statSync(path).size };
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
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<AgentNodeBundle>;
    if (
      manifest.path &&
      manifest.runtime &&
      existsSync(manifest.path) &&
      existsSync(manifest.runtime.path) &&
      (await sha256File(manifest.path)) === manifest.sha256
    )
      return manifest as AgentNodeBundle;
  }

  const nodeBinary = options.nodeBinary ?? process.execPath;
  const runtime = await runtimeArchive(options.cacheDir, nodeBinary);
  const stage = join(options.cacheDir, `.${version}.${process.pid}.stage`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'scripts'), { recursive: true });
  await run(process.execPath, [
    '-r',
    require.resolve('@swc-node/register'),
    BUILD_NODE_APP_SCRIPT,
    stage,
    options.repoRoot,
  ]);
  for (const script of HOST_SCRIPTS) {
    copyFileSync(join(options.repoRoot, 'provisioning/host', script), join(stage, 'scripts', script));
    chmodSync(join(stage, 'scripts', script), 0o755);
  }
  const nodeVersion = (await run(nodeBinary, ['--version'])).stdout.trim();
  // The native module must load in the runtime it ships with (same Node major = same ABI).
  await run(nodeBinary, ['-e', `require(${JSON.stringify(join(stage, 'app/better_sqlite3.node'))})`]).catch(
    (error: Error) => {
      throw new Error(`better_sqlite3.node does not load in the bundled runtime ${nodeVersion}: ${error.message}`);
    },
  );
  writeFileSync(join(stage, 'VERSION'), version);
  // install.sh links the version's bin/node to the host's copy of this runtime.
  writeFileSync(join(stage, 'RUNTIME'), runtime.sha256);
  writeFileSync(
    join(stage, 'BUILD.json'),
    JSON.stringify({ version, inputHash, nodeVersion, builtAt: new Date().toISOString() }, null, 2),
  );

  mkdirSync(dir, { recursive: true });
  const partial = join(dir, `bundle.tar.gz.${process.pid}.partial`);
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
    runtime,
  };
  writeFileSync(`${manifestPath}.${process.pid}.partial`, JSON.stringify(bundle, null, 2));
  renameSync(`${manifestPath}.${process.pid}.partial`, manifestPath);
  pruneCache(options.cacheDir, version);
  return bundle;
}
