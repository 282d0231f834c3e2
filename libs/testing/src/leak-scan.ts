import Redis from 'ioredis';
import { execFileSync } from 'node:child_process';
import { Client } from 'pg';

/**
 * `pg_dump` of a database. Should the installed client be older than a (dockerised) server,
 * every row of every table is read as text instead, so a scan never silently passes.
 */
export async function dumpDatabase(url: string): Promise<string> {
  try {
    return execFileSync('pg_dump', ['--no-owner', '--dbname', url], {
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString('utf8');
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    if (!/version mismatch/i.test(stderr)) throw error;
    process.stderr.write(`pg_dump refused (${stderr.trim()}); dumping every table through SQL instead\n`);
    return dumpEveryRow(url);
  }
}

async function dumpEveryRow(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
    );
    let out = '';
    for (const { name } of tables.rows) {
      const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`);
      out += `-- ${name}\n${rows.rows.map((r) => r.row).join('\n')}\n`;
    }
    return out;
  } finally {
    await client.end();
  }
}

/** Every key under a Redis prefix with its value (BullMQ job hashes included), as text. */
export async function dumpRedisPrefix(url: string, prefix: string): Promise<{ text: string; keys: number }> {
  const redis = new Redis(url);
  let text = '';
  let keys = 0;
  try {
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of batch) {
        keys += 1;
        const type = await redis.type(key);
        let value: unknown;
        if (type === 'string') value = await redis.get(key);
        else if (type === 'hash') value = await redis.hgetall(key);
        else if (type === 'list') value = await redis.lrange(key, 0, -1);
        else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES');
        else if (type === 'set') value = await redis.smembers(key);
        else if (type === 'stream') value = await redis.xrange(key, '-', '+');
        text += `${key}\n${JSON.stringify(value)}\n`;
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return { text, keys };
}

// The scan itself lives with the stand-ins, so the agent node's tests (which may not import this library) use it too.
export { leaks } from '@enclave/sandbox';
