import { keepDatabaseDump } from './at-rest-haystacks';
import { databaseUrl, dropDatabase, uniqueName, withAdminClient } from './postgres';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file, cloned from the run's template; dumped for the at-rest scan when dropped. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = process.env.ENCLAVE_TEST_TEMPLATE_DB;
  if (!template) throw new Error('ENCLAVE_TEST_TEMPLATE_DB is not set: run tests through the root jest.config.js');
  const name = uniqueName('enclave_test');
  await withAdminClient((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = databaseUrl(name);
  return {
    name,
    url,
    async drop() {
      try {
        await keepDatabaseDump(name, url);
      } finally {
        await dropDatabase(name);
      }
    },
  };
}
