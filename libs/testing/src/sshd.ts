import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real OpenSSH server on 127.0.0.1 for provisioning tests: its own throwaway host key,
 * an authorized_keys file holding a throwaway client key, its own PidFile, listening on a
 * free port. Root login by key only (loopback test host). `stop()` then `start()` keeps the
 * same port and host key, so "the host went away and came back" can be tested.
 *
 * Needs /usr/sbin/sshd (scripts/install-system-deps.sh installs openssh-server).
 */
export interface TestSshd {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** `SHA256:<base64>` of the host key, as `ssh-keygen -lf` prints it. */
  readonly hostKeyFingerprint: string;
  /** OpenSSH private key the server accepts (for PROVISIONING_SSH_KEY_PATH). */
  readonly clientKeyPath: string;
  /** Scratch directory of this server (config, keys, logs); also a handy install root parent. */
  readonly dir: string;
  running(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

export const SSHD_BINARY = '/usr/sbin/sshd';

/**
 * Ports handed out for a server that binds later are drawn below Linux's ephemeral range
 * (32768–60999): a port from that range can meanwhile become the source port of any outgoing
 * connection (a database pool's, say), and the server that binds it later fails or is raced.
 */
const RESERVABLE_PORTS = (() => {
  // Each Jest worker draws from its own slice, so two test files running at once cannot pick the same port.
  const slice = 3_000;
  const worker = (Number(process.env.JEST_WORKER_ID) || 1) % 4;
  return { from: 20_000 + worker * slice, to: 20_000 + (worker + 1) * slice };
})();
/** Ports this process handed out already: nothing listens on them yet, so a bind test cannot tell. */
const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freeTcpPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = RESERVABLE_PORTS.from + Math.floor(Math.random() * (RESERVABLE_PORTS.to - RESERVABLE_PORTS.from));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free TCP port in ${RESERVABLE_PORTS.from}–${RESERVABLE_PORTS.to}`);
}

/** Generates an ed25519 key pair with ssh-keygen; returns the private key path. */
export function generateSshKey(path: string, comment = 'enclave-test'): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], { stdio: 'ignore' });
  chmodSync(path, 0o600);
  return path;
}

/** SHA256 fingerprint of an OpenSSH public key line, computed like `ssh-keygen -lf`. */
export function opensshFingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1], 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

async function waitForPort(port: number, timeoutMs: number, isAlive: () => boolean, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`sshd exited during start-up:\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('data', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.setTimeout(500, () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sshd did not answer on port ${port} within ${timeoutMs} ms:\n${log()}`);
}

export interface TestSshdOptions {
  /** Client key to accept (its `.pub` is authorized); a throwaway one otherwise. */
  clientKeyPath?: string;
  /** Extra authorized_keys lines (e.g. what cloud-init user-data asks for). */
  authorizedKeys?: string[];
  /** Host key to serve (OpenSSH private key text), e.g. one handed to a new VPS in user-data. */
  hostPrivateKey?: string;
  /** Port to listen on (a free one otherwise). */
  port?: number;
}

export async function startTestSshd(options: TestSshdOptions = {}): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'enclave-sshd-'));
  // Install roots live under here and the node runs as the unprivileged `enclave` user: keep it traversable.
  chmodSync(dir, 0o755);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  if (options.hostPrivateKey) {
    writeFileSync(
      hostKey,
      options.hostPrivateKey.endsWith('\n') ? options.hostPrivateKey : `${options.hostPrivateKey}\n`,
      { mode: 0o600 },
    );
    writeFileSync(`${hostKey}.pub`, execFileSync('ssh-keygen', ['-y', '-f', hostKey]));
  } else {
    generateSshKey(hostKey, 'enclave-test-host');
  }
  const clientKeyPath = options.clientKeyPath ?? generateSshKey(join(dir, 'client_ed25519'), 'enclave-test-client');
  const authorized = [readFileSync(`${clientKeyPath}.pub`, 'utf8').trim(), ...(options.authorizedKeys ?? [])].join(
    '\n',
  );
  writeFileSync(join(dir, 'authorized_keys'), `${authorized}\n`, { mode: 0o600 });
  const port = options.port ?? (await freeTcpPort());
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'StrictModes no',
    'UsePAM no',
    'PrintMotd no',
    'MaxStartups 50',
    'MaxSessions 50',
    'Subsystem sftp internal-sftp',
    // Bash sources ~/.bashrc for every command sshd runs (SHLVL unset counts as "run by sshd"); a developer's
    // root .bashrc (pyenv init, 0.3-6 s and a lock per command) would then be timed as provisioning. SHLVL=1
    // makes the session behave like a fresh VPS, whose .bashrc returns early for non-interactive shells.
    'SetEnv SHLVL=1',
    'LogLevel ERROR',
  ].join('\n');
  const configPath = join(dir, 'sshd_config');
  writeFileSync(configPath, `${config}\n`);
  const hostKeyFingerprint = opensshFingerprint(readFileSync(`${hostKey}.pub`, 'utf8'));

  let child: ChildProcess | undefined;
  let output = '';
  const running = () => !!child && child.exitCode === null && child.signalCode === null;

  const start = async () => {
    if (running()) return;
    output = '';
    const spawned = spawn(SSHD_BINARY, ['-D', '-e', '-f', configPath, '-p', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = spawned;
    spawned.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    spawned.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitForPort(port, 10_000, running, () => output);
  };

  const stop = async () => {
    const current = child;
    if (!current || !running()) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      current.kill('SIGTERM');
    });
  };

  await start();
  return {
    host: '127.0.0.1',
    port,
    user: 'root',
    hostKeyFingerprint,
    clientKeyPath,
    dir,
    running,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
