import 'reflect-metadata';
import { ConfigError, loadConfig } from '@enclave/platform';
import { createApi } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApi();
  await app.listen(config.API_PORT, '0.0.0.0');
}

main().catch((error: unknown) => {
  // Before the logger exists: the one place a plain stderr write is right.
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
