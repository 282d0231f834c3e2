import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { NonceStore } from '@enclave/node-protocol';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import Redis from 'ioredis';

/**
 * Replay store of node → control-plane signatures, shared by every API instance:
 * `<REDIS_PREFIX>:node-nonce:<nonce>` set with NX and expiring once the signature window has
 * passed. Holds random nonces only.
 */
@Injectable()
export class RedisNonceStore implements NonceStore, OnModuleDestroy {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(@Inject(CONFIG) config: ControlPlaneConfig) {
    this.redis = new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
    this.prefix = `${config.REDIS_PREFIX}:node-nonce:`;
  }

  async remember(nonce: string, expiresAtSeconds: number): Promise<boolean> {
    const ttl = Math.max(1, expiresAtSeconds - Math.floor(Date.now() / 1000));
    return (await this.redis.set(`${this.prefix}${nonce}`, '1', 'EX', ttl, 'NX')) === 'OK';
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
