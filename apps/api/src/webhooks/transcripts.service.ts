import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import type { EmailProvider } from '@enclave/node-protocol';
import { bumpConfigRevision, type DeliveryState, NodeSyncService } from '@enclave/node-delivery';
import { SecretRecordEntity, TranscriptSettingsEntity } from '@enclave/persistence';
import { CONFIG, type ControlPlaneConfig, domainError } from '@enclave/platform';
import { DataSource } from 'typeorm';
import { requireCredentialShape } from '../secrets/credential-shapes';
import { SECRET_ERRORS } from '../secrets/secrets.errors';
import { SecretsService, toSecretDto } from '../secrets/secrets.service';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import type { PutTranscriptSettingsDto, TranscriptSettingsDto } from './dto/webhook.dto';
import { checkWebhookUrl } from './webhook-url';
import { WEBHOOK_ERRORS } from './webhooks.errors';

const SECRET_KIND = 'email_provider_credential' as const;

/** What each provider issues; an SMTP URL's host is checked like a webhook URL's. */
const PROVIDER_SHAPES: Record<EmailProvider, { pattern: RegExp; expected: string }> = {
  smtp: { pattern: /^smtps?:\/\/[^\s/]+$/, expected: 'An SMTP URL: smtp:// or smtps://user:password@host:port' },
  resend: { pattern: /^re_[A-Za-z0-9_-]{8,200}$/, expected: 'A Resend API key starts with "re_".' },
  postmark: {
    pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    expected: 'A Postmark server token is a UUID.',
  },
};

type View = NonNullable<TranscriptSettingsDto['transcripts']>;

/**
 * Transcript mail settings: which provider (the customer's own: SMTP, Resend or Postmark), the
 * sender and the recipients, and when (resolved, or idle for N minutes). The credential is a
 * secret (mask + fingerprint here, delivered to the node); the node composes and sends the
 * transcripts, the control plane never sees one.
 */
@Injectable()
export class TranscriptsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
    private readonly audit: AuditService,
    private readonly secrets: SecretsService,
    private readonly sync: NodeSyncService,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async get(workspaceId: string, userId: string): Promise<TranscriptSettingsDto> {
    await this.access.require(workspaceId, userId, 'member');
    const settings = await this.dataSource.getRepository(TranscriptSettingsEntity).findOneBy({ workspaceId });
    return { transcripts: settings ? await this.view(settings) : null };
  }

  async put(
    workspaceId: string,
    userId: string,
    input: PutTranscriptSettingsDto,
    actor: AuditActor,
  ): Promise<{ transcripts: View; delivery: DeliveryState }> {
    await this.access.require(workspaceId, userId, 'admin');
    if (input.credential !== undefined) this.checkCredential(input.provider, input.credential);
    const saved = await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      const current = await manager.findOneBy(TranscriptSettingsEntity, { workspaceId });
      const hasCredential = await manager.existsBy(SecretRecordEntity, { workspaceId, kind: SECRET_KIND });
      // A credential belongs to its provider: a new provider needs its own.
      if (input.credential === undefined && (!hasCredential || (current && current.provider !== input.provider)))
        throw domainError(WEBHOOK_ERRORS.transcriptsNotConfigured, { details: { field: 'credential' } });
      if (input.credential !== undefined)
        await this.secrets.store(
          manager,
          { workspaceId, kind: SECRET_KIND, scope: 'default', value: input.credential },
          actor,
        );
      const row = await manager.save(
        TranscriptSettingsEntity,
        manager.create(TranscriptSettingsEntity, {
          workspaceId,
          enabled: input.enabled,
          provider: input.provider,
          fromAddress: input.from,
          recipients: input.recipients,
          idleMinutes: input.idleMinutes,
        }),
      );
      const revision = await bumpConfigRevision(manager, workspaceId);
      await this.audit.record(manager, {
        actor,
        action: 'transcripts.settings_updated',
        workspaceId,
        target: { type: 'workspace', id: workspaceId },
        details: {
          enabled: input.enabled,
          provider: input.provider,
          recipients: input.recipients.length,
          idleMinutes: input.idleMinutes,
          revision,
        },
      });
      return row;
    });
    return { transcripts: await this.view(saved), delivery: await this.sync.afterChange(workspaceId) };
  }

  private checkCredential(provider: EmailProvider, value: string): void {
    requireCredentialShape(SECRET_KIND, 'credential', value);
    const shape = PROVIDER_SHAPES[provider];
    if (!shape.pattern.test(value))
      throw domainError(SECRET_ERRORS.credentialMalformed, {
        message: shape.expected,
        details: { field: 'credential', provider },
      });
    if (provider === 'smtp') {
      const u = new URL(value);
      checkWebhookUrl(
        `https://${u.hostname}:${u.port || (u.protocol === 'smtps:' ? '465' : '587')}/`,
        this.config.WEBHOOK_TEST_HOSTS,
      );
    }
  }

  private async view(s: TranscriptSettingsEntity): Promise<View> {
    const credential = await this.dataSource
      .getRepository(SecretRecordEntity)
      .findOneBy({ workspaceId: s.workspaceId, kind: SECRET_KIND });
    return {
      enabled: s.enabled,
      provider: s.provider,
      from: s.fromAddress,
      recipients: s.recipients,
      idleMinutes: s.idleMinutes,
      credential: credential ? toSecretDto(credential) : null,
      updatedAt: s.updatedAt.toISOString(),
    };
  }
}
