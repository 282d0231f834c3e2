import 'reflect-metadata';
import { MailerService, MarketingMailer } from '@enclave/mailer';
import { dataSourceOptions } from '@enclave/persistence';
import { loadConfig } from '@enclave/platform';
import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';

/**
 * `node -r @swc-node/register apps/api/src/cli/marketing-send.ts "<subject>" <text-file>`: mails
 * product news to the users who opted in (MarketingMailer: unsubscribe link and one-click headers).
 */
async function main(): Promise<void> {
  const [subject, file] = process.argv.slice(2);
  if (!subject || !file) {
    process.stderr.write('usage: marketing-send.ts "<subject>" <text-file>\n');
    process.exit(64);
  }
  const text = readFileSync(file, 'utf8');
  const config = loadConfig();
  const dataSource = await new DataSource(dataSourceOptions(config.DATABASE_URL)).initialize();
  const mailer = new MailerService(config);
  try {
    const result = await new MarketingMailer(dataSource, mailer).sendToOptedIn(subject, text);
    process.stdout.write(`product news sent to ${result.sent} opted-in user(s), ${result.failed} failed\n`);
    if (result.failed) process.exitCode = 2;
  } finally {
    mailer.onModuleDestroy();
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
