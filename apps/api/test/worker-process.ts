import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './provisioning-env';

/** A worker process (apps/worker/src/main.ts), as production runs it, that a test may kill -9. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Worker processes started with `env`, logging into `logDir`; `killAll` ends those still running. */
export function workerPool(env: NodeJS.ProcessEnv, logDir: string) {
  const workers = new Set<WorkerProcess>();

  const start = (label = 'worker', extraEnv: NodeJS.ProcessEnv = {}): WorkerProcess => {
    const log = createWriteStream(join(logDir, `${label}-${Date.now()}.log`));
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/worker/src/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...env,
        ...extraEnv,
        LOG_LEVEL: process.env.PROVISIONING_TEST_LOG_LEVEL ?? 'warn',
        SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const worker: WorkerProcess = {
      child,
      kill: (signal: NodeJS.Signals = 'SIGKILL') =>
        new Promise<void>((done) => {
          workers.delete(worker);
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill(signal);
        }),
    };
    workers.add(worker);
    return worker;
  };

  const killAll = async () => {
    for (const worker of [...workers]) await worker.kill('SIGKILL');
  };
  return { start, killAll };
}
