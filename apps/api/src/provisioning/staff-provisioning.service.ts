import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { type DeclaredError, domainError } from '@enclave/platform';
import {
  FleetUpgradeEntity,
  HostEntity,
  liveNodes,
  lockWorkspace,
  ProvisioningRunEntity,
  WorkspaceEntity,
} from '@enclave/persistence';
import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import { DataSource } from 'typeorm';
import { WORKSPACE_ERRORS } from '../workspaces/workspaces.errors';
import type { HostDto, RegisterHostDto, StartFleetUpgradeDto } from './dto/provisioning.dto';
import { PROVISIONING_ERRORS } from './provisioning.errors';

const UNIQUE_VIOLATION = '23505';

export function toHostDto(host: HostEntity): HostDto {
  return {
    id: host.id,
    provider: host.provider,
    name: host.name,
    address: host.address,
    sshPort: host.sshPort,
    sshUser: host.sshUser,
    hostKeyFingerprint: host.hostKeyFingerprint,
    installRoot: host.installRoot,
    nodePort: host.nodePort,
    publicPort: host.publicPort,
    status: host.status,
    workspaceId: host.workspaceId,
    createdAt: host.createdAt.toISOString(),
  };
}

/** Staff commands: retry provisioning, manage the host pool, fleet upgrades and reconciliation. */
@Injectable()
export class StaffProvisioningService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly queues: QueueService,
  ) {}

  async workspace(id: string): Promise<WorkspaceEntity> {
    const workspace = await this.dataSource.getRepository(WorkspaceEntity).findOneBy({ id });
    if (!workspace) throw domainError(WORKSPACE_ERRORS.notFound);
    return workspace;
  }

  /** Puts a failed workspace back to `provisioning` and enqueues its job again (fresh attempts); the run resumes where it stopped. */
  async retry(workspaceId: string, actor: AuditActor): Promise<{ workspaceId: string; jobId: string }> {
    const jobId = JOB_IDS.provisionWorkspace(workspaceId);
    await this.requireFinished(JobName.ProvisionWorkspace, jobId, PROVISIONING_ERRORS.provisioningRunning);
    await this.dataSource.transaction(async (manager) => {
      const workspace = await lockWorkspace(manager, workspaceId);
      if (!workspace) throw domainError(WORKSPACE_ERRORS.notFound);
      if (workspace.status !== 'provisioning_failed') {
        throw domainError(PROVISIONING_ERRORS.notRetryable, {
          message: `Only a workspace whose provisioning failed can be retried (this one is ${workspace.status}).`,
          details: { status: workspace.status },
        });
      }
      await manager.update(WorkspaceEntity, { id: workspaceId }, { status: 'provisioning' });
      await manager.update(
        ProvisioningRunEntity,
        { workspaceId, action: 'provision', status: 'failed' },
        { status: 'running', error: null },
      );
      await this.audit.record(manager, {
        actor,
        action: 'provisioning.retry_requested',
        workspaceId,
        target: { type: 'workspace', id: workspaceId },
        details: { jobId },
      });
      await this.queues.requeue(manager, JobName.ProvisionWorkspace, { workspaceId }, { jobId });
    });
    return { workspaceId, jobId };
  }

  /** Re-runs a failed deprovisioning (e.g. the host was unreachable, so its wipe could not be verified). */
  async retryDeprovision(workspaceId: string, actor: AuditActor): Promise<{ workspaceId: string; jobId: string }> {
    const jobId = JOB_IDS.deprovisionWorkspace(workspaceId);
    await this.requireFinished(JobName.DeprovisionWorkspace, jobId, PROVISIONING_ERRORS.deprovisioningPending);
    await this.dataSource.transaction(async (manager) => {
      const workspace = await lockWorkspace(manager, workspaceId, { includeDeleted: true });
      if (!workspace) throw domainError(WORKSPACE_ERRORS.notFound);
      if (workspace.status !== 'deprovisioning')
        throw domainError(PROVISIONING_ERRORS.notRetryable, {
          message: `Only a workspace being deprovisioned can be retried (this one is ${workspace.status}).`,
          details: { status: workspace.status },
        });
      await manager.update(
        ProvisioningRunEntity,
        { workspaceId, action: 'deprovision', status: 'failed' },
        { status: 'running', error: null },
      );
      await this.audit.record(manager, {
        actor,
        action: 'deprovisioning.retry_requested',
        workspaceId,
        target: { type: 'workspace', id: workspaceId },
        details: { jobId },
      });
      await this.queues.requeue(manager, JobName.DeprovisionWorkspace, { workspaceId }, { jobId });
    });
    return { workspaceId, jobId };
  }

  /**
   * A retry only once BullMQ has released the job holding the id (it marks a job failed just
   * after the engine marks the workspace): 409 until then. Read before anything changes, so a
   * Redis outage answers 503 `redis_unavailable` and changes nothing.
   */
  private async requireFinished(jobName: JobName, jobId: string, busy: DeclaredError): Promise<void> {
    const state = await this.queues.jobState(jobName, jobId);
    if (state && state !== 'completed' && state !== 'failed')
      throw domainError(busy, { message: `${busy.message} (job ${state})`, details: { state } });
  }

  listHosts(): Promise<HostEntity[]> {
    return this.dataSource.getRepository(HostEntity).find({ order: { createdAt: 'ASC' } });
  }

  async registerHost(input: RegisterHostDto, actor: AuditActor): Promise<HostEntity> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const host = await manager.save(
          HostEntity,
          manager.create(HostEntity, {
            ...input,
            provider: 'pool',
            status: 'free',
            workspaceId: null,
            externalId: null,
          }),
        );
        await this.audit.record(manager, {
          actor,
          action: 'host.registered',
          target: { type: 'host', id: host.id },
          details: {
            name: host.name,
            address: host.address,
            sshPort: host.sshPort,
            fingerprint: host.hostKeyFingerprint,
          },
        });
        return host;
      });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw domainError(PROVISIONING_ERRORS.hostNameTaken);
      throw error;
    }
  }

  /** Takes a free host out of the pool (never one in use). */
  async retireHost(id: string, actor: AuditActor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const host = await manager.findOne(HostEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!host) throw domainError(PROVISIONING_ERRORS.hostNotFound);
      if (host.status !== 'free')
        throw domainError(PROVISIONING_ERRORS.hostNotFree, {
          message: `Only a free host can be retired (this one is ${host.status}).`,
        });
      await manager.update(HostEntity, { id }, { status: 'retired' });
      await this.audit.record(manager, { actor, action: 'host.retired', target: { type: 'host', id } });
    });
  }

  async fleet(): Promise<
    Array<{
      nodeId: string;
      workspaceId: string;
      slug: string;
      status: string;
      version: string | null;
      reportedVersion: string | null;
      lastHeartbeatAt: string | null;
      host: string | null;
    }>
  > {
    return (await liveNodes(this.dataSource.manager)).map(({ node, host, workspace }) => ({
      nodeId: node.id,
      workspaceId: node.workspaceId,
      slug: workspace.slug,
      status: node.status,
      version: node.bundleVersion,
      reportedVersion: node.reportedVersion,
      lastHeartbeatAt: node.lastHeartbeatAt?.toISOString() ?? null,
      host: host?.name ?? null,
    }));
  }

  async startUpgrade(input: StartFleetUpgradeDto, actor: AuditActor): Promise<FleetUpgradeEntity> {
    return this.dataSource.transaction(async (manager) => {
      const running = await manager.findOneBy(FleetUpgradeEntity, { status: 'running' });
      if (running) throw domainError(PROVISIONING_ERRORS.upgradeRunning, { details: { upgradeId: running.id } });
      const upgrade = await manager.save(
        FleetUpgradeEntity,
        manager.create(FleetUpgradeEntity, {
          version: null,
          batchSize: input.batchSize,
          nodeIds: input.nodeIds ?? null,
          status: 'running',
          results: [],
          requestedBy: actor.id,
          finishedAt: null,
        }),
      );
      await this.audit.record(manager, {
        actor,
        action: 'fleet.upgrade_requested',
        target: { type: 'fleet_upgrade', id: upgrade.id },
        details: { batchSize: upgrade.batchSize, nodes: upgrade.nodeIds?.length ?? 'all' },
      });
      await this.queues.enqueue(
        manager,
        JobName.UpgradeFleet,
        { upgradeId: upgrade.id },
        { jobId: JOB_IDS.upgradeFleet(upgrade.id), attempts: 1 },
      );
      return upgrade;
    });
  }

  async upgrade(id: string): Promise<FleetUpgradeEntity> {
    const upgrade = await this.dataSource.getRepository(FleetUpgradeEntity).findOneBy({ id });
    if (!upgrade) throw domainError(PROVISIONING_ERRORS.upgradeNotFound);
    return upgrade;
  }

  async reconcileNow(actor: AuditActor): Promise<{ jobId: string }> {
    return this.dataSource.transaction(async (manager) => {
      const jobId = await this.queues.enqueue(manager, JobName.ReconcileFleet, {});
      await this.audit.record(manager, { actor, action: 'fleet.reconcile_requested', details: { jobId } });
      return { jobId };
    });
  }
}
