import 'reflect-metadata';
import { verifyAuditChain } from '@enclave/audit';
import { dataSourceOptions } from '@enclave/persistence';
import { loadConfig } from '@enclave/platform';
import { DataSource } from 'typeorm';

/**
 * `npm run audit:verify`: walks the audit hash chain and prints the first broken link.
 * Exit code 0 when intact, 2 when broken (so cron or CI can alert on it).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = await new DataSource(dataSourceOptions(config.DATABASE_URL)).initialize();
  try {
    const verdict = await verifyAuditChain(dataSource);
    if (verdict.ok) {
      process.stdout.write(
        `audit chain intact: ${verdict.checked} events verified (last id ${verdict.lastId ?? 'none'})\n`,
      );
      return;
    }
    process.stdout.write(
      `audit chain BROKEN at event id ${verdict.brokenAt} (${verdict.reason}); ${verdict.checked} events before it verified\n`,
    );
    process.exitCode = 2;
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
