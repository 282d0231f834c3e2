import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { NodeEntity, ProvisioningRunEntity, ProvisioningStepEntity, WorkspaceEntity } from '@enclave/persistence';
import { DataSource, In, Not } from 'typeorm';
import type { ProvisioningStatusDto } from './dto/provisioning.dto';

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** What provisioning is doing for a workspace: latest run of each action, its steps, the node. */
@Injectable()
export class ProvisioningStatusService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async status(workspace: WorkspaceEntity, withLogs: boolean): Promise<ProvisioningStatusDto> {
    const runs = await this.dataSource
      .getRepository(ProvisioningRunEntity)
      .find({ where: { workspaceId: workspace.id }, order: { createdAt: 'DESC' }, take: 10 });
    const latest = ['provision', 'deprovision']
      .map((action) => runs.find((run) => run.action === action))
      .filter((run): run is ProvisioningRunEntity => !!run);
    const steps = latest.length
      ? await this.dataSource
          .getRepository(ProvisioningStepEntity)
          .find({ where: { runId: In(latest.map((run) => run.id)) }, order: { position: 'ASC' } })
      : [];
    const node = await this.dataSource
      .getRepository(NodeEntity)
      .findOne({ where: { workspaceId: workspace.id, status: Not('wiped') }, order: { createdAt: 'DESC' } });
    return {
      workspaceId: workspace.id,
      workspaceStatus: workspace.status,
      hostname: `${workspace.slug}.${this.config.NODE_DNS_ZONE}`,
      runs: latest.map((run) => ({
        id: run.id,
        action: run.action,
        status: run.status,
        attempts: run.attempts,
        error: run.error,
        startedAt: iso(run.startedAt),
        finishedAt: iso(run.finishedAt),
        steps: steps
          .filter((step) => step.runId === run.id)
          .map((step) => ({
            name: step.name,
            status: step.status,
            attempts: step.attempts,
            startedAt: iso(step.startedAt),
            finishedAt: iso(step.finishedAt),
            error: step.error,
            ...(withLogs ? { log: step.log } : {}),
          })),
      })),
      node: node
        ? {
            id: node.id,
            status: node.status,
            version: node.bundleVersion,
            enrolledAt: iso(node.enrolledAt),
            lastHeartbeatAt: iso(node.lastHeartbeatAt),
          }
        : null,
    };
  }
}
