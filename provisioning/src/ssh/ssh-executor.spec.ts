import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestSshd, type TestSshd } from '@enclave/testing';
import {
  type CommandRecord,
  HostKeyMismatchError,
  normaliseFingerprint,
  RemoteCommandError,
  SshConnectError,
  SshSession,
  type SshOptions,
} from './ssh-executor';

describe('SshSession against a real sshd', () => {
  let sshd: TestSshd;
  let options: SshOptions;

  beforeAll(async () => {
    sshd = await startTestSshd();
    options = {
      privateKey: readFileSync(sshd.clientKeyPath),
      connectTimeoutMs: 5_000,
      keepaliveIntervalMs: 1_000,
      keepaliveCountMax: 3,
      commandTimeoutMs: 10_000,
    };
  });
  afterAll(() => sshd.destroy());

  const target = () => ({
    host: sshd.host,
    port: sshd.port,
    username: sshd.user,
    hostKeyFingerprint: sshd.hostKeyFingerprint,
  });

  it('connects with the pinned host key, runs commands, keeps exit codes and output', async () => {
    const log: CommandRecord[] = [];
    const session = await SshSession.open(target(), options, (record) => log.push(record));
    try {
      const ok = await session.exec('echo hello; echo oops >&2');
      expect(ok).toMatchObject({ exitCode: 0, stdout: 'hello\n', stderr: 'oops\n' });
      await expect(session.exec('exit 3')).rejects.toBeInstanceOf(RemoteCommandError);
      const allowed = await session.exec('exit 4', { allowFailure: true });
      expect(allowed.exitCode).toBe(4);
      const fromStdin = await session.exec('cat', { stdin: 'piped' });
      expect(fromStdin.stdout).toBe('piped');
      expect(log.map((r) => r.exitCode)).toEqual([0, 3, 4, 0]);
    } finally {
      await session.close();
    }
  });

  it('redacts token shapes in the kept output', async () => {
    const session = await SshSession.open(target(), options);
    try {
      const record = await session.exec('echo sk-abcdefghijklmnopqrstuvwxyz');
      expect(record.stdout).not.toContain('sk-abcdefghijklmnopqrstuvwxyz');
      expect(record.stdout).toMatch(/^\[redacted\]\n$/i);
    } finally {
      await session.close();
    }
  });

  it('uploads over SFTP and writes files with a mode', async () => {
    const session = await SshSession.open(target(), options);
    try {
      const local = join(sshd.dir, 'upload-src.txt');
      writeFileSync(local, 'payload');
      await session.upload(local, join(sshd.dir, 'uploaded.txt'));
      expect(readFileSync(join(sshd.dir, 'uploaded.txt'), 'utf8')).toBe('payload');
      await session.writeFile(join(sshd.dir, 'secret.json'), '{"a":1}', 0o640);
      const mode = (await session.exec(`stat -c %a ${join(sshd.dir, 'secret.json')}`)).stdout.trim();
      expect(mode).toBe('640');
    } finally {
      await session.close();
    }
  });

  it('refuses a host whose key does not match the pin, before authenticating or running anything', async () => {
    const wrong = normaliseFingerprint(`SHA256:${'A'.repeat(43)}`);
    const error = await SshSession.open({ ...target(), hostKeyFingerprint: wrong }, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostKeyMismatchError);
    expect((error as HostKeyMismatchError).presented).toBe(sshd.hostKeyFingerprint);
    expect(existsSync(join(sshd.dir, 'never'))).toBe(false);
  });

  it('reports an unreachable host as a connect error', async () => {
    await sshd.stop();
    try {
      await expect(SshSession.open(target(), { ...options, connectTimeoutMs: 1_000 })).rejects.toBeInstanceOf(
        SshConnectError,
      );
    } finally {
      await sshd.start();
    }
    const session = await SshSession.open(target(), options);
    await session.close();
  });

  it('normalises operator-pasted fingerprints and rejects junk', () => {
    expect(normaliseFingerprint(`${sshd.hostKeyFingerprint}=`)).toBe(sshd.hostKeyFingerprint);
    expect(() => normaliseFingerprint('MD5:aa:bb')).toThrow();
  });
});
