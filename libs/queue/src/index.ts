export * from './queues';
export * from './job-handler';
export * from './queue.errors';
export * from './redis-connections';
export * from './outbox-relay';
export * from './queue.service';
export * from './queue.module';
