import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditService, SYSTEM_ACTOR } from '@enclave/audit';
import {
  FleetUpgradeEntity,
  type FleetUpgradeNodeResult,
  type HostEntity,
  type NodeEntity,
  type WorkspaceEntity,
} from '@enclave/persistence';
import { DataSource } from 'typeorm';
import type { AgentNodeBundle } from '../bundle/bundle-builder';
import {
  ensureBundleOnHost,
  installedVersion,
  installNode,
  nodeLocallyHealthy,
  restartNode,
  rollbackNode,
  serviceNameFor,
} from '../host/node-host';
import type { SshSession } from '../ssh/ssh-executor';
import { AllocationStore } from './allocation-store';
import { ProvisioningRuntime } from './provisioning-runtime';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Rolling upgrades: the current bundle goes to N nodes at a time. Each node is installed
 * beside its running version, restarted, and must pass the health gate (local probe, a fresh
 * heartbeat after the restart, a signed health check); otherwise `current` is switched back
 * and the node restarted on its previous version. A batch with a rollback stops the rollout.
 */
@Injectable()
export class FleetUpgrader {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly allocations: AllocationStore,
    private readonly runtime: ProvisioningRuntime,
    private readonly audit: AuditService,
  ) {}

  async run(upgradeId: string): Promise<FleetUpgradeEntity> {
    const repo = this.dataSource.getRepository(FleetUpgradeEntity);
    const upgrade = await repo.findOneByOrFail({ id: upgradeId });
    if (upgrade.status !== 'running') return upgrade;
    const bundle = await this.runtime.bundle();
    upgrade.version = bundle.version;
    await repo.update({ id: upgrade.id }, { version: bundle.version });
    const done = new Set(upgrade.results.map((r) => r.nodeId));
    const targets = (await this.allocations.liveNodes()).filter(
      ({ node, host }) =>
        host &&
        node.status === 'healthy' &&
        !done.has(node.id) &&
        (!upgrade.nodeIds || upgrade.nodeIds.includes(node.id)),
    );
    let failed = upgrade.results.some((r) => r.outcome === 'rolled_back' || r.outcome === 'failed');
    for (let i = 0; i < targets.length && !failed; i += upgrade.batchSize) {
      const batch = targets.slice(i, i + upgrade.batchSize);
      const results = await Promise.all(
        batch.map(({ node, host, workspace }) => this.upgradeNode(node, host!, workspace, bundle)),
      );
      upgrade.results = [...upgrade.results, ...results];
      await repo.update({ id: upgrade.id }, { results: upgrade.results });
      failed = results.some((r) => r.outcome === 'rolled_back' || r.outcome === 'failed');
    }
    upgrade.status = failed ? 'failed' : 'succeeded';
    upgrade.finishedAt = new Date();
    await this.dataSource.transaction(async (manager) => {
      await manager.update(
        FleetUpgradeEntity,
        { id: upgrade.id },
        { status: upgrade.status, finishedAt: upgrade.finishedAt },
      );
      await this.audit.record(manager, {
        actor: SYSTEM_ACTOR,
        action: failed ? 'fleet.upgrade_halted' : 'fleet.upgrade_completed',
        target: { type: 'fleet_upgrade', id: upgrade.id },
        outcome: failed ? 'failure' : 'success',
        details: {
          version: bundle.version,
          upgraded: upgrade.results.filter((r) => r.outcome === 'upgraded').length,
          rolledBack: upgrade.results.filter((r) => r.outcome === 'rolled_back').length,
        },
      });
    });
    return upgrade;
  }

  /** Upgrades one node to `bundle`, health-gated; rolls back on failure. */
  async upgradeNode(
    node: NodeEntity,
    host: HostEntity,
    workspace: WorkspaceEntity,
    bundle: AgentNodeBundle,
    gateTimeoutMs = this.runtime.config.PROVISIONING_WAIT_TIMEOUT_MS,
  ): Promise<FleetUpgradeNodeResult> {
    const base = { nodeId: node.id, workspaceId: workspace.id, to: bundle.version };
    return this.withHostSession(host, async (session) => {
      const from = await installedVersion(session, host.installRoot);
      if (from === bundle.version) return { ...base, from, outcome: 'skipped' as const };
      try {
        await ensureBundleOnHost(session, host.installRoot, bundle);
        await installNode(
          session,
          {
            root: host.installRoot,
            service: serviceNameFor(host.installRoot),
            memoryMax: this.runtime.config.PROVISIONING_NODE_MEMORY_MAX,
          },
          bundle,
        );
        const restartedAt = new Date();
        await restartNode(session, host.installRoot);
        await this.healthGate(node, host, workspace, restartedAt, gateTimeoutMs, () =>
          nodeLocallyHealthy(session, host.installRoot, host.nodePort),
        );
        await this.allocations.updateNode(
          node.id,
          { bundleVersion: bundle.version },
          {
            actor: SYSTEM_ACTOR,
            action: 'node.upgraded',
            workspaceId: workspace.id,
            target: { type: 'node', id: node.id },
            details: { from, to: bundle.version },
          },
        );
        return { ...base, from, outcome: 'upgraded' as const };
      } catch (error) {
        const reason = (error as Error).message.slice(0, 300);
        if (!from) return { ...base, from, outcome: 'failed' as const, error: reason };
        await rollbackNode(session, host.installRoot, from);
        const back = await this.waitLocal(() => nodeLocallyHealthy(session, host.installRoot, host.nodePort), 60_000);
        await this.audit.recordAlone({
          actor: SYSTEM_ACTOR,
          action: 'node.upgrade_rolled_back',
          workspaceId: workspace.id,
          target: { type: 'node', id: node.id },
          outcome: 'failure',
          details: { from, to: bundle.version, reason, healthyAfterRollback: back },
        });
        return { ...base, from, outcome: 'rolled_back' as const, error: reason };
      }
    });
  }

  private async healthGate(
    node: NodeEntity,
    host: HostEntity,
    workspace: WorkspaceEntity,
    since: Date,
    timeoutMs: number,
    local: () => Promise<boolean>,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const client = this.runtime.nodeClient();
    const endpoint = this.runtime.nodeEndpoint(host, workspace.slug);
    let problem = 'not checked yet';
    while (Date.now() < deadline) {
      try {
        if (!(await local())) problem = 'local health probe failed';
        else {
          const fresh = await this.allocations.reloadNode(node.id);
          if (!fresh.lastHeartbeatAt || fresh.lastHeartbeatAt < since) problem = 'no heartbeat since the restart';
          else {
            const health = await client.health(endpoint);
            if (health.state === 'active' && health.enrolled && health.nodeId === node.id) return;
            problem = `node reports ${health.state}`;
          }
        }
      } catch (error) {
        problem = (error as Error).message;
      }
      await sleep(500);
    }
    throw new Error(`health gate failed: ${problem}`);
  }

  /**
   * SSH to a node's host with the same pinning as provisioning. Commands are not logged: an
   * upgrade keeps its outcome per node in fleet_upgrades.results (and the audit log).
   */
  private async withHostSession<T>(host: HostEntity, work: (session: SshSession) => Promise<T>): Promise<T> {
    const session = await this.runtime.openSsh(host, () => undefined);
    try {
      return await work(session);
    } finally {
      await session.close();
    }
  }

  private async waitLocal(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await probe().catch(() => false)) return true;
      await sleep(500);
    }
    return false;
  }
}
