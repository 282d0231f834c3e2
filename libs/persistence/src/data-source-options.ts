import type { DataSourceOptions } from 'typeorm';
import { AuditEventEntity } from './entities/audit-event.entity';
import { BillingAccountEntity } from './entities/billing-account.entity';
import { BillingSubscriptionEntity } from './entities/billing-subscription.entity';
import { IdentityEntity } from './entities/identity.entity';
import { InvitationEntity } from './entities/invitation.entity';
import { MagicLinkTokenEntity } from './entities/magic-link-token.entity';
import { MembershipEntity } from './entities/membership.entity';
import { SessionEntity } from './entities/session.entity';
import { StripeEventEntity } from './entities/stripe-event.entity';
import { UserEntity } from './entities/user.entity';
import { WorkspaceEntity } from './entities/workspace.entity';
import { FleetUpgradeEntity } from './entities/fleet-upgrade.entity';
import { HostEntity } from './entities/host.entity';
import { NodeEntity } from './entities/node.entity';
import { ProvisioningRunEntity } from './entities/provisioning-run.entity';
import { ProvisioningStepEntity } from './entities/provisioning-step.entity';
import { AgentEntity } from './entities/agent.entity';
import { ChannelEntity } from './entities/channel.entity';
import { WidgetEntity } from './entities/widget.entity';
import { ApiKeyEntity } from './entities/api-key.entity';
import { ExportRequestEntity } from './entities/export-request.entity';
import { PendingSecretDeliveryEntity } from './entities/pending-secret-delivery.entity';
import { SecretRecordEntity } from './entities/secret-record.entity';
import { UsageDailyEntity } from './entities/usage-daily.entity';
import { WorkspaceNodeSettingsEntity } from './entities/workspace-node-settings.entity';
import { JobOutboxEntity } from './entities/job-outbox.entity';
import { TranscriptSettingsEntity } from './entities/transcript-settings.entity';
import { WebhookEndpointEntity } from './entities/webhook-endpoint.entity';
import { AccountExportEntity } from './entities/account-export.entity';
import { EmailChangeRequestEntity } from './entities/email-change-request.entity';
import { AgentsChannelsSecrets1764100000000 } from './migrations/1764100000000-AgentsChannelsSecrets';
import { Foundation1764072000000 } from './migrations/1764072000000-Foundation';
import { Billing1764082800000 } from './migrations/1764082800000-Billing';
import { Provisioning1764090000000 } from './migrations/1764090000000-Provisioning';
import { NodeTrustedKeys1764200000000 } from './migrations/1764200000000-NodeTrustedKeys';
import { InboxNotices1764300000000 } from './migrations/1764300000000-InboxNotices';
import { JobOutbox1764410000000 } from './migrations/1764410000000-JobOutbox';
import { WhatsAppWindow1764420000000 } from './migrations/1764420000000-WhatsAppWindow';
import { WebAndApiUsage1764500000000 } from './migrations/1764500000000-WebAndApiUsage';
import { WebhooksTranscripts1765200000000 } from './migrations/1765200000000-WebhooksTranscripts';
import { ExportJobs1765300000000 } from './migrations/1765300000000-ExportJobs';
import { Widgets1764600000000 } from './migrations/1764600000000-Widgets';
import { ChatApiKeys1764700000000 } from './migrations/1764700000000-ChatApiKeys';
import { AccountPrivacy1764800000000 } from './migrations/1764800000000-AccountPrivacy';
import { AuditRetention1764800000001 } from './migrations/1764800000001-AuditRetention';
import { AuditConsoleIndexes1764900000000 } from './migrations/1764900000000-AuditConsoleIndexes';
import { AuditActorTypeActionIndex1765400000000 } from './migrations/1765400000000-AuditActorTypeActionIndex';

/** Listed explicitly (no globs) so the same list works from source, tests and bundles. */
export const ENTITIES = [
  UserEntity,
  IdentityEntity,
  MagicLinkTokenEntity,
  SessionEntity,
  WorkspaceEntity,
  MembershipEntity,
  InvitationEntity,
  AuditEventEntity,
  BillingAccountEntity,
  BillingSubscriptionEntity,
  StripeEventEntity,
  HostEntity,
  NodeEntity,
  ProvisioningRunEntity,
  ProvisioningStepEntity,
  FleetUpgradeEntity,
  AgentEntity,
  ChannelEntity,
  WidgetEntity,
  ApiKeyEntity,
  SecretRecordEntity,
  PendingSecretDeliveryEntity,
  WorkspaceNodeSettingsEntity,
  UsageDailyEntity,
  ExportRequestEntity,
  JobOutboxEntity,
  WebhookEndpointEntity,
  TranscriptSettingsEntity,
  AccountExportEntity,
  EmailChangeRequestEntity,
];

export const MIGRATIONS = [
  Foundation1764072000000,
  Billing1764082800000,
  Provisioning1764090000000,
  AgentsChannelsSecrets1764100000000,
  NodeTrustedKeys1764200000000,
  InboxNotices1764300000000,
  JobOutbox1764410000000,
  WhatsAppWindow1764420000000,
  WebAndApiUsage1764500000000,
  Widgets1764600000000,
  ChatApiKeys1764700000000,
  AccountPrivacy1764800000000,
  AuditRetention1764800000001,
  AuditConsoleIndexes1764900000000,
  WebhooksTranscripts1765200000000,
  ExportJobs1765300000000,
  AuditActorTypeActionIndex1765400000000,
];

export function dataSourceOptions(databaseUrl: string, migrationsRun = false): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsRun,
    synchronize: false,
    extra: { max: 10 },
  };
}
