import { dumpDatabase, dumpRedisPrefix } from '@enclave/testing';
import type { ApiHarness } from './api-harness';

export { leaks } from '@enclave/testing';

/** `pg_dump` of the harness's test database (see dumpDatabase). */
export function databaseDump(api: ApiHarness): Promise<string> {
  return dumpDatabase(api.database.url);
}

/** Every key under the harness's Redis prefix with its value, as text. */
export function redisDump(api: ApiHarness): Promise<{ text: string; keys: number }> {
  return dumpRedisPrefix(api.redis.url, api.redis.prefix);
}
