import { type DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '@enclave/audit';
import { MailerModule } from '@enclave/mailer';
import { NodeDeliveryModule } from '@enclave/node-delivery';
import { PersistenceModule } from '@enclave/persistence';
import { ConfigModule, LoggingModule } from '@enclave/platform';
import { ProvisioningEngineModule } from '@enclave/provisioning';
import { JOB_HANDLERS, type JobHandler, QueueModule } from '@enclave/queue';
import { AccountExportHandler } from './account/account-export.handler';
import { AccountRetentionHandler } from './account/account-retention.handler';
import { BillingDeprovisionDueHandler } from './billing/billing-deprovision-due.handler';
import { BillingGraceExpiredHandler } from './billing/billing-grace-expired.handler';
import { InboxHandoffHandler } from './inbox/inbox-handoff.handler';
import { QUEUE_PROCESSORS } from './jobs/queue-processors';
import { DeprovisionWorkspaceHandler } from './provisioning/deprovision-workspace.handler';
import { ProvisionWorkspaceHandler } from './provisioning/provision-workspace.handler';
import { ReconcileFleetHandler } from './provisioning/reconcile-fleet.handler';
import { UpgradeFleetHandler } from './provisioning/upgrade-fleet.handler';
import { DeliverToNodeHandler } from './secrets/deliver-to-node.handler';
import { SweepPendingSecretsHandler } from './secrets/sweep-pending-secrets.handler';
import { WorkerPingHandler } from './system/worker-ping.handler';

/** Every job handler; add new ones here. The processors refuse to start if a job has none. */
const HANDLERS = [
  WorkerPingHandler,
  BillingGraceExpiredHandler,
  BillingDeprovisionDueHandler,
  ProvisionWorkspaceHandler,
  DeprovisionWorkspaceHandler,
  ReconcileFleetHandler,
  UpgradeFleetHandler,
  DeliverToNodeHandler,
  SweepPendingSecretsHandler,
  InboxHandoffHandler,
  AccountExportHandler,
  AccountRetentionHandler,
];

@Module({})
export class WorkerModule {
  static forRoot(env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(env),
        LoggingModule,
        PersistenceModule,
        AuditModule,
        MailerModule,
        QueueModule,
        ProvisioningEngineModule,
        NodeDeliveryModule,
      ],
      providers: [
        ...HANDLERS,
        { provide: JOB_HANDLERS, useFactory: (...handlers: JobHandler[]) => handlers, inject: HANDLERS },
        ...QUEUE_PROCESSORS,
      ],
    };
  }
}
