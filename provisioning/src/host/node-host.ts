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

/** Bundle path on the host for a version. */
export function remoteBundlePath(root: string, bundle: AgentNodeBundle): string {
  return `${root}/bundles/enclave-node-${bundle.version}.tar.gz`;
}

/**
 * Puts the bundle on the host unless the host already has that checksum (uploaded or
 * installed); returns whether bytes were sent.
 */
export async function ensureBundleOnHost(
  session: SshSession,
  root: string,
  bundle: AgentNodeBundle,
): Promise<{ uploaded: boolean }> {
  const remote = remoteBundlePath(root, bundle);
  const check = await session.exec(
    `cat ${shellQuote(`${root}/versions/${bundle.version}/.bundle-sha256`)} 2>/dev/null || (sha256sum ${shellQuote(remote)} 2>/dev/null | cut -d' ' -f1) || true`,
    { allowFailure: true },
  );
  if (check.stdout.trim() === bundle.sha256) return { uploaded: false };
  await session.exec(`install -d -m 0755 ${shellQuote(root)} ${shellQuote(`${root}/bundles`)}`);
  await session.upload(bundle.path, remote, 0o644);
  const after = await session.exec(`sha256sum ${shellQuote(remote)} | cut -d' ' -f1`);
  if (after.stdout.trim() !== bundle.sha256)
    throw new Error(`bundle checksum on the host does not match after upload (${after.stdout.trim()})`);
  return { uploaded: true };
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

export async function nodectl(session: SshSession, root: string, ...args: string[]) {
  return session.exec(`bash ${shellQuote(`${root}/bin/nodectl.sh`)} ${[root, ...args].map(shellQuote).join(' ')}`, {
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
