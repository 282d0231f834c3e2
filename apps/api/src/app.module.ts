import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuditModule } from '@enclave/audit';
import { MailerModule } from '@enclave/mailer';
import { PersistenceModule } from '@enclave/persistence';
import { ConfigModule, LoggingModule, loadConfig } from '@enclave/platform';
import { QueueModule } from '@enclave/queue';
import { AccountModule } from './account/account.module';
import { AgentsModule } from './agents/agents.module';
import { AuditApiModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BillingModule } from './billing/billing.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { ChannelsModule } from './channels/channels.module';
import { ExportsModule } from './exports/exports.module';
import { HealthController } from './health/health.controller';
import { ProvisioningApiModule } from './provisioning/provisioning-api.module';
import { NodeSessionsModule } from './node-sessions/node-sessions.module';
import { NodesModule } from './nodes/nodes.module';
import { SecretsModule } from './secrets/secrets.module';
import { QueuesDashboardModule } from './staff/queues-dashboard.module';
import { UsageModule } from './usage/usage.module';
import { WebAppModule } from './web/web-app.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { WidgetModule } from './widget/widget.module';
import { WorkspacesModule } from './workspaces/workspaces.module';

@Module({})
export class AppModule {
  /** Built from an environment (process.env in production, a per-test one in tests). */
  static forRoot(env: NodeJS.ProcessEnv = process.env): DynamicModule {
    const config = loadConfig(env);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(env),
        LoggingModule,
        PersistenceModule,
        AuditModule,
        MailerModule,
        QueueModule,
        ThrottlerModule.forRoot([{ ttl: 60_000, limit: config.AUTH_RATE_LIMIT_PER_MINUTE }]),
        TerminusModule,
        AuthModule.register(config),
        WorkspacesModule,
        AccountModule,
        AuditApiModule,
        BillingModule,
        ProvisioningApiModule,
        AgentsModule,
        ApiKeysModule,
        ChannelsModule,
        WebhooksModule,
        WidgetModule,
        SecretsModule,
        NodesModule,
        NodeSessionsModule,
        UsageModule,
        ExportsModule,
        QueuesDashboardModule,
        // Last: serves the built web app for paths no API route claims.
        WebAppModule,
      ],
      controllers: [HealthController],
    };
  }
}
