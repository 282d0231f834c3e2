import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';

/**
 * A Redis server of the test's own on a free loopback port (never the shared one on 6379), for
 * tests that take Redis away and bring it back: `stop()` ends the process, `start()` runs a new one
 * on the same port. No persistence (`--save '' --appendonly no`), so it comes back empty, as a
 * Redis that lost its data does; nothing is written to disk.
 *
 * Needs /usr/bin/redis-server (the redis-server Debian package the stack uses).
 */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  running(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    running: () => child !== undefined && child.exitCode === null,
    async start() {
      if (redis.running()) return;
      const args = [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--dir',
        tmpdir(),
      ];
      child = spawn('redis-server', args, { stdio: 'ignore' });
      await untilAnswers(port, true);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
      await untilAnswers(port, false);
    },
  };
  await redis.start();
  return redis;
}

/** Waits until PING on the port answers PONG (up) or the port refuses connections (down). */
async function untilAnswers(port: number, up: boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await ping(port)) !== up) {
    if (Date.now() > deadline) throw new Error(`redis on port ${port} did not ${up ? 'start' : 'stop'}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
