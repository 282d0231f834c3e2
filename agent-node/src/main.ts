import { configPathFrom, ConfigError, loadNodeConfig } from './config/node-config';
import { NodeApp } from './node-app';

/**
 * Entry point of the agent node: `node main.js --config /etc/enclave/node.json`
 * (or ENCLAVE_NODE_CONFIG). Fails loudly on a bad config: exit code 78 (EX_CONFIG).
 */
async function main(): Promise<void> {
  let app: NodeApp;
  try {
    app = new NodeApp(loadNodeConfig(configPathFrom(process.argv.slice(2), process.env)));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`agent-node: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down');
    void app.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await app.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`agent-node: fatal start-up error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
