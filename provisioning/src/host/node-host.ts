import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentNodeBundle } from '../bundle/bundle-builder';
import { shellQuote, type SshSession } from '../ssh/ssh-executor';

/** Host-side scripts, shipped in the bundle too (provisioning/host). */
export const HOST_ASSETS_DIR = join(__dirname, '../../host');

function script(name: string): string {
  return readFileSync(join(HOST_ASSETS_DIR, name), 'utf8');
}

/** Runs one of our host scripts by piping it to `bash -s` (works before anything is installed). */
function runScript(session: SshSession, name: string, args: string[], timeoutMs?: number) {
  const argv = args.map(shellQuote).join(' ');
  return session.exec(`bash -s -- ${argv}`, { stdin: script(name), timeoutMs, logCommand: `${name} ${argv}` });
}

export interface NodeInstallation {
  /** Install root on the host (several nodes may share one test machine, each with its own). */
  readonly root: string;
  /** systemd unit name (one per install root). */
  readonly service: string;
  readonly memoryMax: string;
}

/** systemd unit name of the node installed under `root` (one unit per install root). */
export function serviceNameFor(root: string): string {
  return root === '/opt/enclave'
    ? 'enclave-node'
    : `enclave-node-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`;
}

/**
 * Path on the host of an app archive that the upload step has verified: it is renamed to
 * this name (its SHA-256) only after `sha256sum` matched, so install.sh unpacks it unhashed.
 */
export function remoteBundlePath(root: string, bundle: AgentNodeBundle): string {
  return `${root}/bundles/${bundle.sha256}.tar.gz`;
}

/** Runtime directory on the host: `<root>/runtimes/<SHA-256 of the node binary>/node`. */
export function remoteRuntimePath(root: string, bundle: AgentNodeBundle): string {
  return `${root}/runtimes/${bundle.runtime.sha256}/node`;
}

/** What the upload step did about each part: already there (by hash), sent, or sent over a copy that did not match its hash. */
export interface BundleDelivery {
  readonly runtime: 'present' | 'uploaded' | 'replaced';
  readonly app: 'present' | 'uploaded';
}

/**
 * Uploads `local` to `remote` on the host, then runs `place` there: a shell command on `{}`
 * (the uploaded file) that checks its SHA-256 and moves it into place. A failed check removes
 * the upload and fails the step.
 */
async function uploadAndPlace(
  session: SshSession,
  what: string,
  local: string,
  remote: string,
  place: string,
): Promise<void> {
  await session.upload(local, remote, 0o644);
  const placed = await session.exec(place.replaceAll('{}', shellQuote(remote)), { allowFailure: true });
  if (placed.exitCode !== 0) {
    await session.exec(`rm -f ${shellQuote(remote)}`, { allowFailure: true });
    throw new Error(`the ${what} on the host does not match its SHA-256 after upload`);
  }
}

/**
 * Puts the bundle's runtime and app on the host, each only when the host lacks it: the runtime
 * is looked up by the SHA-256 of its binary (hashed again here, so a copy that changed on
 * disk is replaced), the app by its archive's SHA-256 (unpacked or verified and waiting).
 */
export async function ensureBundleOnHost(
  session: SshSession,
  root: string,
  bundle: AgentNodeBundle,
): Promise<BundleDelivery> {
  const runtimePath = remoteRuntimePath(root, bundle);
  const appPath = remoteBundlePath(root, bundle);
  const q = shellQuote;
  // One round trip: the directories uploads go to, and what the host already has.
  const probe = await session.exec(
    [
      'set -e',
      `install -d -m 0755 ${q(root)} ${q(`${root}/bundles`)} ${q(`${root}/runtimes`)}`,
      `echo "runtime=$(sha256sum ${q(runtimePath)} 2>/dev/null | cut -d' ' -f1)"`,
      `echo "unpacked=$(cat ${q(`${root}/versions/${bundle.version}/.bundle-sha256`)} 2>/dev/null)"`,
      `echo "waiting=$(test -f ${q(appPath)} && echo yes)"`,
    ].join('; '),
  );
  const seen = Object.fromEntries(
    probe.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('=') as [string, string]),
  );

  let runtime: BundleDelivery['runtime'] = 'present';
  if (seen.runtime !== bundle.runtime.sha256) {
    runtime = seen.runtime ? 'replaced' : 'uploaded';
    const dir = `${root}/runtimes/${bundle.runtime.sha256}`;
    const staged = `${root}/runtimes/.${bundle.runtime.sha256}.partial`;
    // Unpacked and hashed on the host; only a binary with the expected hash is renamed into place.
    await uploadAndPlace(
      session,
      'Node runtime',
      bundle.runtime.path,
      `${root}/bundles/.node-${bundle.runtime.sha256}.gz`,
      [
        `rm -rf ${q(staged)} && install -d -m 0755 ${q(staged)}`,
        `gzip -dc {} > ${q(`${staged}/node`)}`,
        `chmod 0755 ${q(`${staged}/node`)}`,
        `test "$(sha256sum ${q(`${staged}/node`)} | cut -d' ' -f1)" = ${q(bundle.runtime.sha256)}`,
        `rm -rf ${q(dir)} {}`,
        `mv -T ${q(staged)} ${q(dir)}`,
      ].join(' && '),
    );
  }

  let app: BundleDelivery['app'] = 'present';
  if (seen.unpacked !== bundle.sha256 && seen.waiting !== 'yes') {
    app = 'uploaded';
    await uploadAndPlace(
      session,
      'app archive',
      bundle.path,
      `${appPath}.unverified`,
      `test "$(sha256sum {} | cut -d' ' -f1)" = ${q(bundle.sha256)} && mv -T {} ${q(appPath)}`,
    );
  }
  return { runtime, app };
}

/** Installs the version and (when given) the node config; idempotent. Does not start the node. */
export async function installNode(
  session: SshSession,
  installation: NodeInstallation,
  bundle: AgentNodeBundle,
  nodeConfig?: object,
): Promise<{ installed: string; previous: string; mode: string }> {
  const args = [
    '--root',
    installation.root,
    '--version',
    bundle.version,
    '--bundle',
    remoteBundlePath(installation.root, bundle),
    '--sha256',
    bundle.sha256,
    '--memory-max',
    installation.memoryMax,
    '--service',
    installation.service,
  ];
  if (nodeConfig) {
    const staged = `${installation.root}/bundles/.node.json.staged`;
    await session.exec(
      `install -d -m 0755 ${shellQuote(installation.root)} ${shellQuote(`${installation.root}/bundles`)}`,
    );
    await session.writeFile(staged, `${JSON.stringify(nodeConfig, null, 2)}\n`, 0o600);
    args.push('--config', staged);
  }
  const result = await runScript(session, 'install.sh', args, 180_000);
  const last = result.stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(last) as { installed: string; previous: string; mode: string };
}

function nodectlCommand(root: string, args: string[]): string {
  return `bash ${shellQuote(`${root}/bin/nodectl.sh`)} ${[root, ...args].map(shellQuote).join(' ')}`;
}

export async function nodectl(session: SshSession, root: string, ...args: string[]) {
  return session.exec(nodectlCommand(root, args), {
    allowFailure: args[0] === 'status' || args[0] === 'health',
  });
}

export async function startNode(session: SshSession, root: string): Promise<void> {
  await nodectl(session, root, 'start');
}

/** Unsigned local liveness probe run on the host itself. */
export async function nodeLocallyHealthy(session: SshSession, root: string, port: number): Promise<boolean> {
  return (await nodectl(session, root, 'health', String(port))).exitCode === 0;
}

/** Waits on the host until the node answers its local probe (the host-side loop saves an SSH round trip per probe). */
export async function waitNodeLocallyHealthy(
  session: SshSession,
  root: string,
  port: number,
  timeoutMs: number,
): Promise<void> {
  const seconds = Math.ceil(timeoutMs / 1000);
  // The command's own deadline comes first; the SSH timeout only catches a host that stopped answering.
  await session.exec(nodectlCommand(root, ['wait-healthy', String(port), String(seconds)]), {
    timeoutMs: timeoutMs + 15_000,
  });
}

export async function installedVersion(session: SshSession, root: string): Promise<string | null> {
  const result = await session.exec(`basename "$(readlink ${shellQuote(`${root}/current`)})" 2>/dev/null`, {
    allowFailure: true,
  });
  return result.exitCode === 0 && result.stdout.trim() ? result.stdout.trim() : null;
}

/** Points `current` back at an installed version and restarts the node. */
export async function rollbackNode(session: SshSession, root: string, version: string): Promise<void> {
  await nodectl(session, root, 'rollback', version);
}

export async function restartNode(session: SshSession, root: string): Promise<void> {
  await nodectl(session, root, 'restart');
}

/** Runs the wipe script; resolves true when the data directory is verifiably gone. */
export async function wipeHost(session: SshSession, root: string): Promise<{ wiped: boolean }> {
  const result = await runScript(session, 'wipe.sh', [root], 120_000);
  const verify = await session.exec(`test ! -e ${shellQuote(`${root}/data`)}`, { allowFailure: true });
  return { wiped: result.exitCode === 0 && verify.exitCode === 0 };
}

export async function dataDirExists(session: SshSession, root: string): Promise<boolean> {
  return (await session.exec(`test -e ${shellQuote(`${root}/data`)}`, { allowFailure: true })).exitCode === 0;
}

/** Has the host generate its TLS key (if missing) and return a CSR for `hostname`. */
export async function createNodeCsr(session: SshSession, root: string, hostname: string): Promise<string> {
  const key = `${root}/etc/tls/node.key`;
  const result = await session.exec(
    `${shellQuote(`${root}/current/bin/node`)} ${shellQuote(`${root}/current/app/tls-csr.js`)} ${shellQuote(key)} ${shellQuote(hostname)} && chgrp enclave ${shellQuote(key)} && chmod 0640 ${shellQuote(key)}`,
  );
  return result.stdout;
}

/** Installs the node's certificate and turns on the HTTPS endpoint (the launcher picks it up). */
export async function installNodeCertificate(
  session: SshSession,
  root: string,
  certificatePem: string,
  listen: { host: string; port: number },
): Promise<void> {
  const dir = `${root}/etc/tls`;
  await session.writeFile(`${dir}/node.crt`, certificatePem, 0o644);
  const tls = { host: listen.host, port: listen.port, certFile: `${dir}/node.crt`, keyFile: `${dir}/node.key` };
  await session.writeFile(`${dir}/tls.json`, `${JSON.stringify(tls)}\n`, 0o644);
}

export async function installedCertificate(session: SshSession, root: string): Promise<string | null> {
  const result = await session.exec(`cat ${shellQuote(`${root}/etc/tls/node.crt`)} 2>/dev/null`, {
    allowFailure: true,
  });
  return result.exitCode === 0 && result.stdout.includes('BEGIN CERTIFICATE') ? result.stdout : null;
}
