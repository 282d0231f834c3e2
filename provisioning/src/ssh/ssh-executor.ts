import { createHash } from 'node:crypto';
import { scrubKnownSecrets } from '@enclave/secrets';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';

/** Where to connect and which host key to expect (pinned when the host was registered). */
export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** `SHA256:<base64, no padding>`, exactly as `ssh-keygen -lf` prints it. */
  readonly hostKeyFingerprint: string;
}

export interface SshOptions {
  /** OpenSSH/PEM private key of the control plane. */
  readonly privateKey: string | Buffer;
  readonly connectTimeoutMs: number;
  readonly keepaliveIntervalMs: number;
  /** Keepalives missed before the connection is declared dead. */
  readonly keepaliveCountMax: number;
  /** Longest a single remote command may run. */
  readonly commandTimeoutMs: number;
}

/** One remote command as kept in the step log: output redacted and capped. */
export interface CommandRecord {
  readonly command: string;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export class HostKeyMismatchError extends Error {
  constructor(
    readonly host: string,
    readonly expected: string,
    readonly presented: string,
  ) {
    super(
      `host key of ${host} does not match the pinned fingerprint (expected ${expected}, host presented ${presented}); nothing was sent`,
    );
    this.name = 'HostKeyMismatchError';
  }
}

export class SshConnectError extends Error {
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`cannot connect to ${host}: ${reason}`);
    this.name = 'SshConnectError';
  }
}

export class RemoteCommandError extends Error {
  constructor(readonly record: CommandRecord) {
    super(`remote command failed with exit code ${record.exitCode}: ${record.command}\n${record.stderr.slice(-2000)}`);
    this.name = 'RemoteCommandError';
  }
}

/** SHA256 fingerprint of a raw SSH public key blob, formatted like OpenSSH. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Normalises a fingerprint an operator pasted (with or without the prefix or padding). */
export function normaliseFingerprint(value: string): string {
  const body = value
    .trim()
    .replace(/^SHA256:/i, '')
    .replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]{43}$/.test(body))
    throw new Error('host key fingerprint must be an OpenSSH SHA256 fingerprint (SHA256:<43 base64 characters>)');
  return `SHA256:${body}`;
}

const OUTPUT_CAP = 16 * 1024;

function keep(text: string, secrets: ReadonlySet<string>): string {
  const scrubbed = scrubKnownSecrets(text, secrets);
  return scrubbed.length > OUTPUT_CAP ? `…${scrubbed.slice(-OUTPUT_CAP)}` : scrubbed;
}

/** Single-quotes a value for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * One SSH connection for one provisioning run: key auth, host key checked against the
 * pinned fingerprint before anything is sent, keepalives, every command's exit code checked
 * and its (redacted) output handed to `onCommand` for the step log.
 */
export class SshSession {
  private sftpChannel: SFTPWrapper | undefined;
  private closed = false;
  /** Values sent over this session that no token shape matches (see `redact`). */
  private readonly secrets = new Set<string>();

  private constructor(
    private readonly client: Client,
    readonly target: SshTarget,
    private readonly options: SshOptions,
    private readonly onCommand: (record: CommandRecord) => void,
  ) {
    client.on('close', () => (this.closed = true));
  }

  static open(
    target: SshTarget,
    options: SshOptions,
    onCommand: (record: CommandRecord) => void = () => undefined,
  ): Promise<SshSession> {
    const expected = normaliseFingerprint(target.hostKeyFingerprint);
    const client = new Client();
    let presented: string | undefined;
    return new Promise<SshSession>((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        client.end();
        reject(error);
      };
      client.once('ready', () => {
        settled = true;
        client.on('error', () => undefined); // later errors surface through the pending command
        resolve(new SshSession(client, target, options, onCommand));
      });
      client.on('error', (error: Error & { level?: string }) => {
        if (presented && presented !== expected)
          fail(new HostKeyMismatchError(`${target.host}:${target.port}`, expected, presented));
        else fail(new SshConnectError(`${target.host}:${target.port}`, error.message));
      });
      client.once('close', () =>
        fail(new SshConnectError(`${target.host}:${target.port}`, 'connection closed during handshake')),
      );
      const config: ConnectConfig = {
        host: target.host,
        port: target.port,
        username: target.username,
        privateKey: options.privateKey,
        readyTimeout: options.connectTimeoutMs,
        keepaliveInterval: options.keepaliveIntervalMs,
        keepaliveCountMax: options.keepaliveCountMax,
        // Pinned host key: no trust on first use. ssh2 calls this before authenticating.
        hostVerifier: (key: Buffer) => {
          presented = sshFingerprint(key);
          return presented === expected;
        },
      };
      client.connect(config);
    });
  }

  /**
   * From now on `value` is replaced by [REDACTED] in every command's recorded output, and so in
   * the errors, step logs and job failures made of it: a host that echoes a secret it was sent
   * (a failing tool printing the node config, say) must not put it into the control plane.
   */
  redact(value: string): void {
    this.secrets.add(value);
  }

  /** Runs a command; throws RemoteCommandError on a non-zero exit unless `allowFailure`. */
  exec(
    command: string,
    input: { stdin?: string | Buffer; allowFailure?: boolean; timeoutMs?: number; logCommand?: string } = {},
  ): Promise<CommandRecord> {
    const started = Date.now();
    const timeoutMs = input.timeoutMs ?? this.options.commandTimeoutMs;
    return new Promise<CommandRecord>((resolve, reject) => {
      if (this.closed)
        return reject(new SshConnectError(`${this.target.host}:${this.target.port}`, 'connection is closed'));
      this.client.exec(command, (error, channel) => {
        if (error) return reject(new SshConnectError(`${this.target.host}:${this.target.port}`, error.message));
        let stdout = '';
        let stderr = '';
        let exitCode: number | null = null;
        const timer = setTimeout(() => {
          channel.close();
          reject(
            new RemoteCommandError({
              command: input.logCommand ?? command,
              exitCode: null,
              stdout: keep(stdout, this.secrets),
              stderr: keep(`${stderr}\n[timed out after ${timeoutMs} ms]`, this.secrets),
              ms: Date.now() - started,
            }),
          );
        }, timeoutMs);
        channel.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString('utf8')).slice(-4 * OUTPUT_CAP)));
        channel.stderr.on(
          'data',
          (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4 * OUTPUT_CAP)),
        );
        channel.on('exit', (code: number | null) => (exitCode = code));
        channel.on('close', () => {
          clearTimeout(timer);
          const record: CommandRecord = {
            command: input.logCommand ?? command,
            exitCode,
            stdout: keep(stdout, this.secrets),
            stderr: keep(stderr, this.secrets),
            ms: Date.now() - started,
          };
          this.onCommand(record);
          if (exitCode !== 0 && !input.allowFailure) reject(new RemoteCommandError(record));
          else resolve(record);
        });
        if (input.stdin !== undefined) channel.end(input.stdin);
        else channel.end();
      });
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    if (this.sftpChannel) return Promise.resolve(this.sftpChannel);
    return new Promise((resolve, reject) => {
      this.client.sftp((error, sftp) => {
        if (error)
          return reject(new SshConnectError(`${this.target.host}:${this.target.port}`, `sftp: ${error.message}`));
        this.sftpChannel = sftp;
        resolve(sftp);
      });
    });
  }

  /** Uploads a local file over SFTP to a temporary name, then renames it into place. */
  async upload(localPath: string, remotePath: string, mode = 0o644): Promise<void> {
    const sftp = await this.sftp();
    const partial = `${remotePath}.partial`;
    const started = Date.now();
    await this.untilDone('upload', (done) => sftp.fastPut(localPath, partial, { mode }, done));
    await this.exec(`mv -f ${shellQuote(partial)} ${shellQuote(remotePath)}`);
    this.onCommand({
      command: `sftp put ${localPath} -> ${remotePath}`,
      exitCode: 0,
      stdout: '',
      stderr: '',
      ms: Date.now() - started,
    });
  }

  /** Writes a small file (config, certificate) over SFTP with the given mode; contents are never logged. */
  async writeFile(remotePath: string, data: string | Buffer, mode = 0o600): Promise<void> {
    const sftp = await this.sftp();
    const partial = `${remotePath}.partial`;
    await this.untilDone('write', (done) => sftp.writeFile(partial, data, { mode }, done));
    await this.untilDone('chmod', (done) => sftp.chmod(partial, mode, done));
    await this.exec(`mv -f ${shellQuote(partial)} ${shellQuote(remotePath)}`);
  }

  /**
   * Runs an SFTP call, failing it when the connection drops: ssh2's fastPut then tries to close its
   * remote file handle on the dead channel and never calls back, which left a run stuck in its upload.
   */
  private untilDone(what: string, call: (done: (error?: Error | null) => void) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const lost = () =>
        reject(new SshConnectError(`${this.target.host}:${this.target.port}`, `connection lost during sftp ${what}`));
      if (this.closed) return lost();
      this.client.once('close', lost);
      call((error) => {
        this.client.removeListener('close', lost);
        if (error) reject(error);
        else resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      this.client.once('close', () => resolve());
      this.client.end();
      setTimeout(resolve, 2_000).unref();
    });
  }
}
