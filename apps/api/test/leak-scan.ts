import Redis from 'ioredis';
import { execFileSync } from 'node:child_process';
import type { ApiHarness } from './api-harness';

/**
 * `pg_dump` of the test database. Should the installed client be older than a (dockerised)
 * server, every row of every table is read as text instead, so the scan never silently passes.
 */
export async function databaseDump(api: ApiHarness): Promise<string> {
  try {
    return execFileSync('pg_dump', ['--no-owner', '--dbname', api.database.url], {
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString('utf8');
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    if (!/version mismatch/i.test(stderr)) throw error;
    process.stderr.write(`pg_dump refused (${stderr.trim()}); dumping every table through SQL instead\n`);
    const tables = (await api.dataSource.query(
      `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
    )) as Array<{ name: string }>;
    let out = '';
    for (const { name } of tables) {
      const rows = (await api.dataSource.query(`SELECT t::text AS row FROM ${name} t`)) as Array<{ row: string }>;
      out += `-- ${name}\n${rows.map((r) => r.row).join('\n')}\n`;
    }
    return out;
  }
}

/** Every key under the harness's Redis prefix with its value (BullMQ job hashes included), as text. */
export async function redisDump(api: ApiHarness): Promise<{ text: string; keys: number }> {
  const redis = new Redis(api.redis.url);
  let text = '';
  let keys = 0;
  try {
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${api.redis.prefix}*`, 'COUNT', 500);
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

/** Where any needle shows up in any haystack — raw, base64, base64url or hex, either case. */
export function leaks(needles: string[], haystacks: Record<string, string>): string[] {
  const hits: string[] = [];
  for (const needle of needles) {
    const forms = {
      raw: needle,
      base64: Buffer.from(needle).toString('base64'),
      base64url: Buffer.from(needle).toString('base64url'),
      hex: Buffer.from(needle).toString('hex'),
    };
    for (const [formName, form] of Object.entries(forms)) {
      for (const [where, haystack] of Object.entries(haystacks)) {
        if (haystack.includes(form) || haystack.includes(form.toUpperCase()))
          hits.push(`${where}: ${formName} of ${needle.slice(0, 12)}…`);
      }
    }
  }
  return hits;
}
