import 'reflect-metadata';
import { CONFIG, ConfigError, type ControlPlaneConfig } from '@enclave/platform';
import { Logger } from 'nestjs-pino';
import { createWorker } from './bootstrap';

createWorker()
  .then((app) => {
    const graceMs = app.get<ControlPlaneConfig>(CONFIG).WORKER_SHUTDOWN_GRACE_MS;
    const logger = app.get(Logger);
    // Nest closes the app on these signals (enableShutdownHooks); BullMQ's Worker.close() never
    // resolves while a Redis client is left reconnecting (taskforcesh/bullmq#4656), so a worker
    // stopped during a Redis outage would never exit. Past the grace period it does; the jobs it
    // was running are picked up again by the stalled-job check (every job is safe to run twice).
    for (const signal of ['SIGTERM', 'SIGINT'] as const)
      process.once(signal, () => {
        setTimeout(() => {
          logger.error({ signal, graceMs }, 'worker did not close within its grace period: exiting');
          process.exit(1);
        }, graceMs).unref();
      });
  })
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
    process.exit(1);
  });
