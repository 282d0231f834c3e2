import 'reflect-metadata';
import { AuditService } from '@enclave/audit';
import { dataSourceOptions, UserEntity } from '@enclave/persistence';
import { loadConfig } from '@enclave/platform';
import { DataSource } from 'typeorm';

/** `npm run staff:grant -- someone@example.com [--revoke]`: flags an existing user as staff (audited). */
async function main(): Promise<void> {
  const [emailArgument, flag] = process.argv.slice(2);
  if (!emailArgument || (flag && flag !== '--revoke')) {
    process.stderr.write('usage: npm run staff:grant -- <email> [--revoke]\n');
    process.exit(64);
  }
  const email = emailArgument.toLowerCase();
  const isStaff = flag !== '--revoke';
  const config = loadConfig();
  const dataSource = await new DataSource(dataSourceOptions(config.DATABASE_URL)).initialize();
  const audit = new AuditService(dataSource);
  try {
    await dataSource.transaction(async (manager) => {
      const user = await manager.findOneBy(UserEntity, { email });
      if (!user) throw new Error(`no user with email ${email}: they must sign in once first`);
      await manager.update(UserEntity, { id: user.id }, { isStaff });
      await audit.record(manager, {
        actor: { type: 'system', id: null, userAgent: 'cli:staff-grant' },
        action: isStaff ? 'user.staff_granted' : 'user.staff_revoked',
        target: { type: 'user', id: user.id },
        details: { source: 'cli' },
      });
    });
    process.stdout.write(`${email} is ${isStaff ? 'now' : 'no longer'} staff\n`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
