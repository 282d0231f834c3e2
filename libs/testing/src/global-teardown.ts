import { dropDatabase } from './postgres';

export default async function globalTeardown(): Promise<void> {
  const template = process.env.ENCLAVE_TEST_TEMPLATE_DB;
  if (template) await dropDatabase(template);
}
