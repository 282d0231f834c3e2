import { startSandbox } from './sandbox';
import { createStandIns } from './stand-ins';

async function main(): Promise<void> {
  const port = Number(process.env.SANDBOX_PORT ?? 4010);
  const smtpPort = Number(process.env.SANDBOX_SMTP_PORT ?? 2525);
  const sandbox = await startSandbox(createStandIns({ smtpPort }), port);
  process.stdout.write(`sandbox listening on ${sandbox.url}\n`);
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
