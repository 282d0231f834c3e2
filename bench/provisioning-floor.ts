import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import type { AgentNodeBundle } from '../provisioning/src/bundle/bundle-builder';
import { ensureBundleOnHost, remoteBundlePath } from '../provisioning/src/host/node-host';
import { SshSession, shellQuote } from '../provisioning/src/ssh/ssh-executor';
import type { TestSshd } from '../libs/testing/src/sshd';

export interface FloorSteps {
  readonly connectMs: number;
  readonly uploadMs: number;
  readonly verifyMs: number;
  readonly unpackMs: number;
  readonly startMs: number;
}

const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
};

function openSession(sshd: TestSshd, sshKeyPath: string): Promise<SshSession> {
  return SshSession.open(
    { host: '127.0.0.1', port: sshd.port, username: 'root', hostKeyFingerprint: sshd.hostKeyFingerprint },
    {
      privateKey: readFileSync(sshKeyPath),
      connectTimeoutMs: 3000,
      keepaliveIntervalMs: 2000,
      keepaliveCountMax: 3,
      commandTimeoutMs: 60_000,
    },
  );
}

export interface UploadFigures {
  /** The upload step on a host without the runtime: runtime and app sent, each verified. */
  readonly freshMs: number;
  /** The same on a host that has the runtime (an upgrade, a re-install): the app only. */
  readonly runtimePresentMs: number;
}

/** What the upload step (ensureBundleOnHost) costs with and without the runtime already on the host. */
export async function uploadFigures(
  sshd: TestSshd,
  sshKeyPath: string,
  bundle: AgentNodeBundle,
): Promise<UploadFigures> {
  const session = await openSession(sshd, sshKeyPath);
  const root = `${sshd.dir}/upload-figures`;
  try {
    const [, freshMs] = await timed(() => ensureBundleOnHost(session, root, bundle));
    await session.exec(`rm -f ${shellQuote(remoteBundlePath(root, bundle))}`);
    const [delivery, runtimePresentMs] = await timed(() => ensureBundleOnHost(session, root, bundle));
    if (delivery.runtime !== 'present' || delivery.app !== 'uploaded')
      throw new Error(`unexpected second delivery: ${JSON.stringify(delivery)}`);
    return { freshMs, runtimePresentMs };
  } finally {
    await session.exec(`rm -rf ${shellQuote(root)}`);
    await session.close();
  }
}

/**
 * The floor of provisioning on a fresh loopback host, step by step and nothing else: one SSH
 * connection, the runtime and the app archive over SFTP, one sha256sum of each (the unpacked
 * runtime binary, the app archive), their unpacking (gzip -dc, tar -xzf), and the runtime
 * started until it listens on a port.
 */
export async function provisioningFloor(
  sshd: TestSshd,
  sshKeyPath: string,
  bundle: AgentNodeBundle,
): Promise<FloorSteps> {
  const [session, connectMs] = await timed(() => openSession(sshd, sshKeyPath));
  try {
    const dir = `${sshd.dir}/floor`;
    const app = `${dir}/app.tar.gz`;
    const runtime = `${dir}/node.gz`;
    const node = `${dir}/v/bin/node`;
    await session.exec(`mkdir -p ${shellQuote(`${dir}/v/bin`)}`);
    const [, uploadMs] = await timed(async () => {
      await session.upload(bundle.runtime.path, runtime);
      await session.upload(bundle.path, app);
    });
    const [, unpackMs] = await timed(() =>
      session.exec(
        `gzip -dc ${shellQuote(runtime)} > ${shellQuote(node)} && chmod 0755 ${shellQuote(node)} && tar -xzf ${shellQuote(app)} -C ${shellQuote(`${dir}/v`)}`,
      ),
    );
    const [, verifyMs] = await timed(() => session.exec(`sha256sum ${shellQuote(node)} ${shellQuote(app)}`));
    const [, startMs] = await timed(() =>
      session.exec(
        `${shellQuote(node)} -e "require('node:http').createServer().listen(0, '127.0.0.1', () => process.exit(0))"`,
      ),
    );
    await session.exec(`rm -rf ${shellQuote(dir)}`);
    return { connectMs, uploadMs, verifyMs, unpackMs, startMs };
  } finally {
    await session.close();
  }
}
