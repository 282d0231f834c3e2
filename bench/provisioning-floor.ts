import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import type { AgentNodeBundle } from '../provisioning/src/bundle/bundle-builder';
import { SshSession, shellQuote } from '../provisioning/src/ssh/ssh-executor';
import type { TestSshd } from '../libs/testing/src/sshd';

export interface FloorSteps {
  readonly connectMs: number;
  readonly uploadMs: number;
  readonly verifyMs: number;
  readonly unpackMs: number;
  readonly startMs: number;
}

/**
 * The floor of provisioning on a loopback host, step by step and nothing else: one SSH
 * connection, the bundle over SFTP, one sha256sum, one tar -xzf, and the bundled runtime
 * started until it listens on a port.
 */
export async function provisioningFloor(
  sshd: TestSshd,
  sshKeyPath: string,
  bundle: AgentNodeBundle,
): Promise<FloorSteps> {
  const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    const value = await fn();
    return [value, performance.now() - t0];
  };
  const [session, connectMs] = await timed(() =>
    SshSession.open(
      { host: '127.0.0.1', port: sshd.port, username: 'root', hostKeyFingerprint: sshd.hostKeyFingerprint },
      {
        privateKey: readFileSync(sshKeyPath),
        connectTimeoutMs: 3000,
        keepaliveIntervalMs: 2000,
        keepaliveCountMax: 3,
        commandTimeoutMs: 60_000,
      },
    ),
  );
  try {
    const dir = `${sshd.dir}/floor`;
    const remote = `${dir}/bundle.tar.gz`;
    await session.exec(`mkdir -p ${shellQuote(`${dir}/v`)}`);
    const [, uploadMs] = await timed(() => session.upload(bundle.path, remote));
    const [, verifyMs] = await timed(() => session.exec(`sha256sum ${shellQuote(remote)}`));
    const [, unpackMs] = await timed(() => session.exec(`tar -xzf ${shellQuote(remote)} -C ${shellQuote(`${dir}/v`)}`));
    const [, startMs] = await timed(() =>
      session.exec(
        `${shellQuote(`${dir}/v/bin/node`)} -e "require('node:http').createServer().listen(0, '127.0.0.1', () => process.exit(0))"`,
      ),
    );
    await session.exec(`rm -rf ${shellQuote(dir)}`);
    return { connectMs, uploadMs, verifyMs, unpackMs, startMs };
  } finally {
    await session.close();
  }
}
