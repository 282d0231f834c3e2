import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './provisioning-env';

/** A control-plane process (worker or API), as production runs it, that a test may kill -9. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Where its stdout and stderr go (tests read it to check what the process logged). */
  readonly logFile: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `entry` (e.g. apps/worker/src/main.ts) the way docs/operations.md runs it, with `env`
 * over this process's, logging into `logFile`.
 */
export function spawnControlPlaneProcess(entry: string, env: NodeJS.ProcessEnv, logFile: string): WorkerProcess {
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, ['-r', '@swc-node/register', entry], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...env,
      LOG_LEVEL: process.env.PROVISIONING_TEST_LOG_LEVEL ?? 'warn',
      SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return {
    child,
    logFile,
    kill: (signal: NodeJS.Signals = 'SIGKILL') =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill(signal);
      }),
  };
}

/** Worker processes started with `env`, logging into `logDir`; `killAll` ends those still running. */
export function workerPool(env: NodeJS.ProcessEnv, logDir: string) {
  const workers = new Set<WorkerProcess>();

  const start = (label = 'worker', extraEnv: NodeJS.ProcessEnv = {}): WorkerProcess => {
    const spawned = spawnControlPlaneProcess(
      'apps/worker/src/main.ts',
      { ...env, ...extraEnv },
      join(logDir, `${label}-${Date.now()}.log`),
    );
    const worker: WorkerProcess = {
      child: spawned.child,
      logFile: spawned.logFile,
      kill: (signal?: NodeJS.Signals) => {
        workers.delete(worker);
        return spawned.kill(signal);
      },
    };
    workers.add(worker);
    return worker;
  };

  const killAll = async () => {
    for (const worker of [...workers]) await worker.kill('SIGKILL');
  };
  return { start, killAll };
}
