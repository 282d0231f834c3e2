import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const WEB_ROOT = join(__dirname, '..');
const DIST = join(WEB_ROOT, 'dist');
const STAMP = join(DIST, '.source-hash');
/** Held while building: Jest runs the web e2e specs in parallel workers, and a build empties dist/. */
const LOCK = join(WEB_ROOT, '.dist-build.lock');
const STALE_LOCK_MS = 5 * 60_000;
const INPUTS = ['src', 'index.html', 'vite.config.mts', 'package.json', 'public'];

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => (name.endsWith('.spec.tsx') || name.endsWith('.spec.ts') ? [] : files(join(path, name))));
}

/** Hash of everything the production build is made from (component specs excluded). */
export function webSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => files(join(WEB_ROOT, input)))) {
    hash.update(relative(WEB_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  hash.update(readFileSync(join(WEB_ROOT, '..', '..', 'package-lock.json')));
  return hash.digest('hex');
}

/**
 * Builds apps/web/dist once per source change: a run whose sources match the stamp of the last
 * build reuses it (the API serves it when the harness starts). Returns the build directory.
 * Parallel callers wait for one build instead of racing: vite empties dist/ while it writes,
 * and an API started at that moment would serve no web app at all.
 */
export function ensureWebBuild(): string {
  const hash = webSourceHash();
  const fresh = () => existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash && existsSync(join(DIST, 'index.html'));
  if (fresh()) return DIST;
  withLock(() => {
    if (fresh()) return; // another worker built it while this one waited
    execFileSync(
      process.execPath,
      [
        join(WEB_ROOT, '..', '..', 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        join(WEB_ROOT, 'vite.config.mts'),
        '--logLevel',
        'warn',
      ],
      {
        cwd: WEB_ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    writeFileSync(STAMP, hash);
  });
  return DIST;
}

/** mkdir is atomic: the worker that creates the lock directory builds, the others wait. */
function withLock(fn: () => void): void {
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS)
        rmSync(LOCK, { recursive: true, force: true }); // left by a killed run
      Atomics.wait(sleep, 0, 0, 200);
    }
  }
  try {
    fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
