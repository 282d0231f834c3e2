import type { AuditService } from '@enclave/audit';
import { DomainError } from '@enclave/platform';
import { type NodeSyncService, SecretVault } from '@enclave/node-delivery';
import type { DataSource } from 'typeorm';
import { type CredentialChecks, refused } from '../secrets/credential-checks';
import type { SecretsService } from '../secrets/secrets.service';
import type { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import { ChannelsService } from './channels.service';

/** Unit level: provider checks and node delivery are injected, so no network and no database. */
describe('ChannelsService (unit)', () => {
  const workspaceId = '11111111-1111-4111-8111-111111111111';
  const agentId = '22222222-2222-4222-8222-222222222222';
  const actor = { type: 'user' as const, id: 'u1' };

  function build(checks: Partial<CredentialChecks>) {
    const transaction = jest.fn();
    const dataSource = {
      transaction,
      manager: { existsBy: jest.fn().mockResolvedValue(true) },
    } as unknown as DataSource;
    const access = { require: jest.fn().mockResolvedValue({}) } as unknown as WorkspaceAccessService;
    const sync = { afterChange: jest.fn() } as unknown as NodeSyncService;
    const store = jest.fn();
    const refusalAudited = jest.fn((_w: string, _a: unknown, _action: string, check: () => Promise<unknown>) =>
      check(),
    );
    const service = new ChannelsService(
      dataSource,
      access,
      {} as AuditService,
      { store, refusalAudited } as unknown as SecretsService,
      new SecretVault('pepper-0123456789abcdef', Buffer.alloc(32, 1).toString('base64')),
      sync,
      checks as CredentialChecks,
    );
    return { service, transaction, sync, store };
  }

  it('a refused Telegram token stores nothing and delivers nothing', async () => {
    const { service, transaction, sync, store } = build({
      telegramBotToken: jest.fn().mockRejectedValue(refused('botToken', 'telegram', 'refused')),
    });
    const error = await service
      .create(
        workspaceId,
        'u1',
        { type: 'telegram', agentId, enabled: true, botToken: '123456:AAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' },
        actor,
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: 'invalid', code: 'credential_refused', details: { field: 'botToken' } });
    expect(transaction).not.toHaveBeenCalled();
    expect(store).not.toHaveBeenCalled();
    expect(sync.afterChange).not.toHaveBeenCalled();
  });

  it('a malformed WhatsApp app secret is a 400 credential_malformed before the Graph API is called', async () => {
    const whatsApp = jest.fn();
    const { service, transaction } = build({ whatsApp });
    await expect(
      service.create(
        workspaceId,
        'u1',
        {
          type: 'whatsapp',
          agentId,
          enabled: true,
          phoneNumberId: '1234567890',
          accessToken: 'EAAxxxxxxxxxxxxxxxxxxxxxxxx',
          appSecret: 'not a secret!',
        },
        actor,
      ),
    ).rejects.toMatchObject({ code: 'credential_malformed', details: { field: 'appSecret', provider: 'whatsapp' } });
    expect(whatsApp).not.toHaveBeenCalled();
    expect(transaction).not.toHaveBeenCalled();
  });

  it('without SECRET_PEPPER / SECRET_ENCRYPTION_KEY it answers 503 before calling any provider', async () => {
    const telegramBotToken = jest.fn();
    const { service } = build({ telegramBotToken });
    (service as unknown as { vault: SecretVault }).vault = new SecretVault(null, null);
    await expect(
      service.create(workspaceId, 'u1', { type: 'telegram', agentId, enabled: true, botToken: 'x'.repeat(40) }, actor),
    ).rejects.toMatchObject({ kind: 'unavailable', code: 'secrets_not_configured' });
    expect(telegramBotToken).not.toHaveBeenCalled();
  });
});
