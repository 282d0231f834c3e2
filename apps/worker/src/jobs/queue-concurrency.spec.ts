import { QueueName } from '@enclave/queue';
import { queueConcurrency } from './queue-processors';

describe('QUEUE_CONCURRENCY: jobs one worker runs at once, per queue', () => {
  it('takes the queue’s own entry and 4 for a queue not listed', () => {
    expect(queueConcurrency('provisioning=12,node-delivery=2', QueueName.Provisioning)).toBe(12);
    expect(queueConcurrency('provisioning=12,node-delivery=2', QueueName.NodeDelivery)).toBe(2);
    expect(queueConcurrency('provisioning=12', QueueName.Billing)).toBe(4);
    expect(queueConcurrency('', QueueName.Provisioning)).toBe(4);
  });
});
