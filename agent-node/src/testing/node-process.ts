import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const MAIN_ENTRY = join(REPO_ROOT, 'agent-node', 'src', 'main.ts');

export interface NodeProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Spawns the real entry point (`node -r @swc-node/register agent-node/src/main.ts --config …`). */
export function spawnNode(configPath: string, extraEnv: NodeJS.ProcessEnv = {}): NodeProcess {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', MAIN_ENTRY, '--config', configPath], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}
