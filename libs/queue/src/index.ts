export * from './queues';
export * from './job-handler';
export * from './queue.service';
export * from './queue.module';
