import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ProvisioningRuntime } from '@enclave/provisioning';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

/** The worker: a Nest application context (no HTTP server) running the BullMQ processors. */
export async function createWorker(env: NodeJS.ProcessEnv = process.env): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(env), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  // The agent-node bundle is built (or found in the cache) now, not inside the first provisioning job.
  void app
    .get(ProvisioningRuntime)
    .bundle()
    .catch((error: unknown) => app.get(Logger).warn({ err: error }, 'agent-node bundle not built at start-up'));
  return app;
}
