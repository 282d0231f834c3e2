import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { keepRedisDump } from './at-rest-haystacks';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedis {
  /** Key prefix owned by this test file; every queue and key it creates lives under it. */
  readonly prefix: string;
  readonly url: string;
  keys(): Promise<string[]>;
  drop(): Promise<void>;
}

export function createTestRedis(): TestRedis {
  const prefix = `enclave-test-${randomBytes(4).toString('hex')}`;
  const scan = async (): Promise<string[]> => {
    const client = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    await client.connect();
    try {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        found.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      return found;
    } finally {
      client.disconnect();
    }
  };
  return {
    prefix,
    url: TEST_REDIS_URL,
    keys: scan,
    async drop() {
      await keepRedisDump(prefix, TEST_REDIS_URL);
      const keys = await scan();
      if (keys.length === 0) return;
      const client = new Redis(TEST_REDIS_URL);
      await client.del(...keys);
      client.disconnect();
    },
  };
}
