import { DataSource } from 'typeorm';
// Jest loads global setup without moduleNameMapper: this resolves through npm workspaces (package.json `main`).
import { dataSourceOptions } from '@enclave/persistence';
import { databaseUrl, uniqueName, withAdminClient } from './postgres';

/**
 * Runs the real migrations once into a template database; each test file then clones it
 * (CREATE DATABASE … TEMPLATE), which takes milliseconds, and drops its clone afterwards.
 */
export default async function globalSetup(): Promise<void> {
  const template = uniqueName('enclave_tpl');
  await withAdminClient((client) => client.query(`CREATE DATABASE "${template}"`));
  const dataSource = await new DataSource(dataSourceOptions(databaseUrl(template))).initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
  process.env.ENCLAVE_TEST_TEMPLATE_DB = template;
}
