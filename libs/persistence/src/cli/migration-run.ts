import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../data-source-options';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL and exits. */
async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const dataSource = await new DataSource(dataSourceOptions(url)).initialize();
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  process.stdout.write(
    `${applied.length ? `applied: ${applied.map((m) => m.name).join(', ')}` : 'no pending migrations'}\n`,
  );
  await dataSource.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
