import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { NonceStore } from '@enclave/node-protocol';
import { CONFIG, type ControlPlaneConfig, domainError } from '@enclave/platform';
import { QUEUE_ERRORS, reconnectDelay, REDIS_COMMAND_TIMEOUT_MS } from '@enclave/queue';
import Redis from 'ioredis';

/**
 * Replay store of node → control-plane signatures, shared by every API instance:
 * `<REDIS_PREFIX>:node-nonce:<nonce>` set with NX and expiring once the signature window has
 * passed. Holds random nonces only. A signed call cannot be checked for replay without Redis:
 * while Redis is away it is refused with 503 `redis_unavailable` before anything changes (nodes
 * send their next heartbeat anyway), within REDIS_COMMAND_TIMEOUT_MS at worst.
 */
@Injectable()
export class RedisNonceStore implements NonceStore, OnModuleDestroy {
  private readonly logger = new Logger(RedisNonceStore.name);
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(@Inject(CONFIG) config: ControlPlaneConfig) {
    this.redis = new Redis(config.REDIS_URL, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      retryStrategy: reconnectDelay,
    });
    // Reconnection is ioredis's job; an outage shows in /api/health, not as an unhandled error event.
    this.redis.on('error', () => undefined);
    this.prefix = `${config.REDIS_PREFIX}:node-nonce:`;
  }

  async remember(nonce: string, expiresAtSeconds: number): Promise<boolean> {
    const ttl = Math.max(1, expiresAtSeconds - Math.floor(Date.now() / 1000));
    try {
      return (await this.redis.set(`${this.prefix}${nonce}`, '1', 'EX', ttl, 'NX')) === 'OK';
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'nonce store: Redis did not answer');
      throw domainError(QUEUE_ERRORS.redisUnavailable);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
