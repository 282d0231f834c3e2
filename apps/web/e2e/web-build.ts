import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const WEB_ROOT = join(__dirname, '..');
const DIST = join(WEB_ROOT, 'dist');
const STAMP = join(DIST, '.source-hash');
const INPUTS = ['src', 'index.html', 'vite.config.ts', 'package.json', 'public'];

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
 */
export function ensureWebBuild(): string {
  const hash = webSourceHash();
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash && existsSync(join(DIST, 'index.html'))) return DIST;
  execFileSync(process.execPath, [join(WEB_ROOT, '..', '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(WEB_ROOT, 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: WEB_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
  });
  writeFileSync(STAMP, hash);
  return DIST;
}
