import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { domainError } from '@enclave/platform';
import { AgentEntity, ChannelEntity, SecretRecordEntity } from '@enclave/persistence';
import { bumpConfigRevision, type DeliveryState, NodeSyncService, SecretVault } from '@enclave/node-delivery';
import { randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { CREDENTIAL_CHECKS, type CredentialChecks } from '../secrets/credential-checks';
import { requireCredentialShape } from '../secrets/credential-shapes';
import { SecretsService } from '../secrets/secrets.service';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import { CHANNEL_ERRORS } from './channels.errors';
import type { ChannelDto, CreateChannelInput, RotateCredentialsDto, UpdateChannelDto } from './dto/channel.dto';

export function toChannelDto(channel: ChannelEntity): ChannelDto {
  return {
    id: channel.id,
    type: channel.type,
    agentId: channel.agentId,
    enabled: channel.enabled,
    telegram:
      channel.type === 'telegram' ? { botId: channel.telegramBotId, botUsername: channel.telegramBotUsername } : null,
    whatsapp:
      channel.type === 'whatsapp'
        ? {
            phoneNumberId: channel.whatsappPhoneNumberId as string,
            displayPhoneNumber: channel.whatsappDisplayPhoneNumber,
            verifyToken: channel.whatsappVerifyToken as string,
            windowTemplate:
              channel.whatsappTemplateName && channel.whatsappTemplateLanguage
                ? { name: channel.whatsappTemplateName, language: channel.whatsappTemplateLanguage }
                : null,
          }
        : null,
    webhookPath: `/webhooks/${channel.type}/${channel.id}`,
    createdAt: channel.createdAt.toISOString(),
    updatedAt: channel.updatedAt.toISOString(),
  };
}

/** The WhatsApp window template as stored: both columns or neither. */
const templateColumns = (template: { name: string; language: string } | null = null): Partial<ChannelEntity> => ({
  whatsappTemplateName: template?.name ?? null,
  whatsappTemplateLanguage: template?.language ?? null,
});

/**
 * Telegram and WhatsApp channels. Credentials are validated with the provider first (getMe;
 * Graph phone number lookup); a refusal is a 400 naming the field, and nothing is stored or
 * delivered. Then the channel (public metadata only) and its secret records are written in
 * one transaction, and the node gets the secrets and the new config.
 */
@Injectable()
export class ChannelsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
    private readonly audit: AuditService,
    private readonly secrets: SecretsService,
    private readonly vault: SecretVault,
    private readonly sync: NodeSyncService,
    @Inject(CREDENTIAL_CHECKS) private readonly checks: CredentialChecks,
  ) {}

  async list(workspaceId: string, userId: string): Promise<ChannelDto[]> {
    await this.access.require(workspaceId, userId, 'member');
    return (
      await this.dataSource.getRepository(ChannelEntity).find({ where: { workspaceId }, order: { createdAt: 'ASC' } })
    ).map(toChannelDto);
  }

  async get(workspaceId: string, userId: string, channelId: string): Promise<ChannelDto> {
    await this.access.require(workspaceId, userId, 'member');
    return toChannelDto(await this.find(workspaceId, channelId));
  }

  async create(
    workspaceId: string,
    userId: string,
    input: CreateChannelInput,
    actor: AuditActor,
  ): Promise<{ channel: ChannelDto; delivery: DeliveryState }> {
    await this.access.require(workspaceId, userId, 'admin');
    await this.requireAgent(this.dataSource.manager, workspaceId, input.agentId);
    this.vault.fingerprint('configuration-check-0000'); // 503 before calling a provider when secrets are not configured
    const metadata: Partial<ChannelEntity> = {
      telegramBotId: null,
      telegramBotUsername: null,
      whatsappPhoneNumberId: null,
      whatsappDisplayPhoneNumber: null,
      whatsappVerifyToken: null,
      ...templateColumns(input.type === 'whatsapp' ? input.windowTemplate : null),
    };
    await this.secrets.refusalAudited(workspaceId, actor, 'channel.credentials_refused', async () => {
      if (input.type === 'telegram') {
        requireCredentialShape('telegram_bot_token', 'botToken', input.botToken);
        const bot = await this.checks.telegramBotToken(input.botToken);
        Object.assign(metadata, { telegramBotId: bot.botId, telegramBotUsername: bot.username });
      } else {
        requireCredentialShape('whatsapp_access_token', 'accessToken', input.accessToken);
        requireCredentialShape('whatsapp_app_secret', 'appSecret', input.appSecret);
        const number = await this.checks.whatsApp(input.accessToken, input.phoneNumberId);
        Object.assign(metadata, {
          whatsappPhoneNumberId: number.phoneNumberId,
          whatsappDisplayPhoneNumber: number.displayPhoneNumber,
          whatsappVerifyToken: randomBytes(24).toString('base64url'),
        });
      }
    });
    const channel = await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      await this.requireAgent(manager, workspaceId, input.agentId);
      if ((await manager.countBy(ChannelEntity, { workspaceId })) >= 50) throw domainError(CHANNEL_ERRORS.limit);
      const created = await manager.save(
        ChannelEntity,
        manager.create(ChannelEntity, {
          workspaceId,
          agentId: input.agentId,
          type: input.type,
          enabled: input.enabled,
          ...metadata,
        }),
      );
      const revision = await bumpConfigRevision(manager, workspaceId);
      await this.audit.record(manager, {
        actor,
        action: 'channel.created',
        workspaceId,
        target: { type: 'channel', id: created.id },
        details: {
          type: created.type,
          agentId: created.agentId,
          botUsername: created.telegramBotUsername,
          phoneNumberId: created.whatsappPhoneNumberId,
          revision,
        },
      });
      if (input.type === 'telegram') {
        await this.secrets.store(
          manager,
          { workspaceId, kind: 'telegram_bot_token', scope: created.id, value: input.botToken },
          actor,
        );
      } else {
        await this.secrets.store(
          manager,
          { workspaceId, kind: 'whatsapp_access_token', scope: created.id, value: input.accessToken },
          actor,
        );
        await this.secrets.store(
          manager,
          { workspaceId, kind: 'whatsapp_app_secret', scope: created.id, value: input.appSecret },
          actor,
        );
      }
      return created;
    });
    return { channel: toChannelDto(channel), delivery: await this.sync.afterChange(workspaceId) };
  }

  async update(
    workspaceId: string,
    userId: string,
    channelId: string,
    input: UpdateChannelDto,
    actor: AuditActor,
  ): Promise<{ channel: ChannelDto; delivery: DeliveryState }> {
    const channel = await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      const current = await this.find(workspaceId, channelId, manager);
      if (input.agentId) await this.requireAgent(manager, workspaceId, input.agentId);
      const { windowTemplate, ...fields } = input;
      if (windowTemplate !== undefined && current.type !== 'whatsapp')
        throw domainError(CHANNEL_ERRORS.whatsAppOnly, { details: { field: 'windowTemplate' } });
      Object.assign(current, fields, windowTemplate === undefined ? {} : templateColumns(windowTemplate));
      const saved = await manager.save(current);
      const revision = await bumpConfigRevision(manager, workspaceId);
      await this.audit.record(manager, {
        actor,
        action: 'channel.updated',
        workspaceId,
        target: { type: 'channel', id: channelId },
        details: { ...input, revision },
      });
      return saved;
    });
    return { channel: toChannelDto(channel), delivery: await this.sync.afterChange(workspaceId) };
  }

  /** Rotation: the new credential is validated like a new one, then replaces the old on the node. */
  async rotate(
    workspaceId: string,
    userId: string,
    channelId: string,
    input: RotateCredentialsDto,
    actor: AuditActor,
  ): Promise<{ channel: ChannelDto; delivery: DeliveryState }> {
    await this.access.require(workspaceId, userId, 'admin');
    const channel = await this.find(workspaceId, channelId);
    this.vault.fingerprint('configuration-check-0000');
    const updates: Array<{
      kind: 'telegram_bot_token' | 'whatsapp_access_token' | 'whatsapp_app_secret';
      value: string;
    }> = [];
    const metadata: Partial<ChannelEntity> = {};
    await this.secrets.refusalAudited(workspaceId, actor, 'channel.credentials_refused', async () => {
      if (channel.type === 'telegram') {
        if (!input.botToken || input.accessToken || input.appSecret)
          throw domainError(CHANNEL_ERRORS.wrongCredentials, {
            message: 'A Telegram channel takes a botToken only.',
          });
        requireCredentialShape('telegram_bot_token', 'botToken', input.botToken);
        const bot = await this.checks.telegramBotToken(input.botToken);
        Object.assign(metadata, { telegramBotId: bot.botId, telegramBotUsername: bot.username });
        updates.push({ kind: 'telegram_bot_token', value: input.botToken });
      } else {
        if (input.botToken)
          throw domainError(CHANNEL_ERRORS.wrongCredentials, {
            message: 'A WhatsApp channel takes accessToken and/or appSecret.',
          });
        if (input.accessToken) requireCredentialShape('whatsapp_access_token', 'accessToken', input.accessToken);
        if (input.appSecret) requireCredentialShape('whatsapp_app_secret', 'appSecret', input.appSecret);
        if (input.accessToken) {
          await this.checks.whatsApp(input.accessToken, channel.whatsappPhoneNumberId as string);
          updates.push({ kind: 'whatsapp_access_token', value: input.accessToken });
        }
        if (input.appSecret) updates.push({ kind: 'whatsapp_app_secret', value: input.appSecret });
      }
    });
    const saved = await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      const current = await this.find(workspaceId, channelId, manager);
      Object.assign(current, metadata);
      const result = await manager.save(current);
      for (const update of updates)
        await this.secrets.store(
          manager,
          { workspaceId, kind: update.kind, scope: channelId, value: update.value },
          actor,
        );
      return result;
    });
    return { channel: toChannelDto(saved), delivery: await this.sync.afterChange(workspaceId) };
  }

  /** Deletion: the node forgets the channel's credentials first, then config without the channel is pushed. */
  async remove(
    workspaceId: string,
    userId: string,
    channelId: string,
    actor: AuditActor,
  ): Promise<{ delivery: DeliveryState }> {
    await this.access.require(workspaceId, userId, 'owner');
    await this.find(workspaceId, channelId);
    const records = await this.dataSource.getRepository(SecretRecordEntity).findBy({ workspaceId, scope: channelId });
    await this.secrets.forgetOnNode(workspaceId, records);
    await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'owner', manager);
      const channel = await this.find(workspaceId, channelId, manager);
      await this.secrets.removeRecords(
        manager,
        await manager.findBy(SecretRecordEntity, { workspaceId, scope: channelId }),
        actor,
      );
      await manager.delete(ChannelEntity, { id: channelId, workspaceId });
      const revision = await bumpConfigRevision(manager, workspaceId);
      await this.audit.record(manager, {
        actor,
        action: 'channel.deleted',
        workspaceId,
        target: { type: 'channel', id: channelId },
        details: { type: channel.type, revision },
      });
    });
    return { delivery: await this.sync.afterChange(workspaceId) };
  }

  private async requireAgent(manager: EntityManager, workspaceId: string, agentId: string): Promise<void> {
    if (!(await manager.existsBy(AgentEntity, { id: agentId, workspaceId })))
      throw domainError(CHANNEL_ERRORS.unknownAgent, { details: { field: 'agentId' } });
  }

  private async find(
    workspaceId: string,
    channelId: string,
    manager = this.dataSource.manager,
  ): Promise<ChannelEntity> {
    const channel = await manager.findOneBy(ChannelEntity, { id: channelId, workspaceId });
    if (!channel) throw domainError(CHANNEL_ERRORS.notFound);
    return channel;
  }
}
