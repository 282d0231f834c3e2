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
  // NORMAL: a commit survives the process being killed (the WAL is in the OS's hands); only a
  // power loss can take the commits since the last fsync. What must survive a power loss — the
  // commit that acknowledges a webhook — goes through durableTransaction (FULL), whose fsync
  // of the WAL also covers every commit before it.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  cacheStatements(db);
  return db;
}

/**
 * Runs `fn` in one transaction committed with synchronous=FULL: once it returns, the commit
 * (and every earlier one) is on disk. For what is acknowledged to someone else (a webhook's 2xx).
 */
export function durableTransaction(db: Db): Transaction {
  return (fn) => {
    db.pragma('synchronous = FULL');
    try {
      return db.transaction(fn)();
    } finally {
      db.pragma('synchronous = NORMAL');
    }
  };
}

/**
 * `db.prepare(sql)` compiles once per SQL text and hands out the same statement afterwards
 * (repositories prepare at each call; compiling was a large part of a reply's CPU time). A
 * statement still being iterated is busy: the caller then gets a fresh one. Callers must not
 * switch a shared statement's mode (`pluck`, `raw`, `expand`, `safeIntegers`).
 */
function cacheStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    const cached = cache.get(sql);
    if (cached && !cached.busy) return cached;
    const statement = prepare(sql);
    if (!cached) cache.set(sql, statement);
    return statement;
  }) as Db['prepare'];
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
