import { defineErrors } from '@enclave/platform';

/** Errors of routes that cannot do their work without Redis (the outbox spares every other route). */
export const QUEUE_ERRORS = defineErrors({
  redisUnavailable: {
    kind: 'unavailable',
    code: 'redis_unavailable',
    message: 'The job queue (Redis) is not answering; nothing was changed. Try again shortly.',
  },
});
