import { Module } from '@nestjs/common';
import { AllocationStore } from './allocation-store';
import { FleetReconciler } from './fleet-reconciler';
import { FleetUpgrader } from './fleet-upgrader';
import { ProvisioningEngine } from './provisioning.engine';
import { ProvisioningEventBus } from './provisioning-events';
import { ProvisioningRuntime } from './provisioning-runtime';
import { RunStore } from './run-store';
import { STEP_PROVIDERS } from './steps/step-tables';
import { WorkspaceRunLock } from './workspace-run-lock';
import { WorkspaceStore } from './workspace-store';

/**
 * The provisioning engine for Nest apps (the worker runs it; the API uses the event bus and
 * runtime for status, SSE and staff commands). Needs CONFIG, TypeORM, AuditService and
 * OwnerNotifier (MailerModule) from the app (all global modules there).
 */
@Module({
  providers: [
    ProvisioningRuntime,
    ProvisioningEventBus,
    RunStore,
    AllocationStore,
    WorkspaceStore,
    WorkspaceRunLock,
    ...STEP_PROVIDERS,
    ProvisioningEngine,
    FleetReconciler,
    FleetUpgrader,
  ],
  exports: [ProvisioningRuntime, ProvisioningEventBus, RunStore, ProvisioningEngine, FleetReconciler, FleetUpgrader],
})
export class ProvisioningEngineModule {}
