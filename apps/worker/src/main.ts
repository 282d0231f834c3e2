import 'reflect-metadata';
import { ConfigError } from '@enclave/platform';
import { createWorker } from './bootstrap';

createWorker().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
