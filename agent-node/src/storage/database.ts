import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MIGRATIONS, type Migration } from './migrations';

export type Db = Database.Database;

/** Runs `fn` in one SQLite transaction; every repository on the connection takes part. */
export type Transaction = <T>(fn: () => T) => T;

const DATABASE_FILE = 'node.sqlite';

export function databaseFile(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

/**
 * Where better-sqlite3's compiled addon is. The self-contained bundle ships
 * `better_sqlite3.node` next to `agent-node.js` (see agent-node/build/bundle.ts); in the
 * repository the package finds its own build.
 */
export function sqliteNativeBinding(): string | undefined {
  const main = require.main?.filename;
  if (!main) return undefined;
  const candidate = join(dirname(main), SQLITE_ADDON_FILE);
  return existsSync(candidate) ? candidate : undefined;
}

export const SQLITE_ADDON_FILE = 'better_sqlite3.node';

/** Opens (creating if needed) the node database in WAL mode and runs pending migrations. */
export function openDatabase(
  file: string,
  migrations: readonly Migration[] = MIGRATIONS,
  options: { readonly?: boolean } = {},
): Db {
  const nativeBinding = sqliteNativeBinding();
  const db = new Database(file, {
    ...(nativeBinding ? { nativeBinding } : {}),
    ...(options.readonly ? { readonly: true, fileMustExist: true } : {}),
  });
  if (options.readonly) return db;
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL'); // an acknowledged webhook survives a crash or power loss
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}

export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const pending = [...migrations].sort((a, b) => a.version - b.version).filter((m) => m.version > current);
  for (const m of pending) {
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return pending.length;
}

/** The database part of the health checks: can it still answer a query? */
export function checkDatabase(db: Db): { ok: boolean; code?: string } {
  try {
    db.prepare('SELECT 1').get();
    return { ok: true };
  } catch {
    return { ok: false, code: 'query_failed' };
  }
}
