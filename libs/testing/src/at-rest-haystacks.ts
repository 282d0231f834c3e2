import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dumpDatabase, dumpRedisPrefix } from './leak-scan';

/**
 * Haystacks for the suite-wide at-rest scan (scripts/at-rest-scan.ts): each control-plane
 * database and Redis prefix a test created is dumped into the run directory just before it is
 * dropped. Only when scripts/test.sh sets ENCLAVE_AT_REST_DIR; one spec run by hand keeps nothing.
 */
export const DATABASE_DUMP_SUFFIX = '.sql';
export const REDIS_DUMP_SUFFIX = '.redis.txt';

export async function keepDatabaseDump(name: string, url: string): Promise<void> {
  const dir = process.env.ENCLAVE_AT_REST_DIR;
  if (dir) writeFileSync(join(dir, `${name}${DATABASE_DUMP_SUFFIX}`), await dumpDatabase(url));
}

export async function keepRedisDump(prefix: string, url: string): Promise<void> {
  const dir = process.env.ENCLAVE_AT_REST_DIR;
  if (dir) writeFileSync(join(dir, `${prefix}${REDIS_DUMP_SUFFIX}`), (await dumpRedisPrefix(url, prefix)).text);
}
