import { Injectable, Logger } from '@nestjs/common';
import { AuditService, SYSTEM_ACTOR } from '@enclave/audit';
import { publicKeyFingerprint } from '@enclave/node-protocol';
import { statusAfterSilence, type WorkspaceStatus } from '@enclave/persistence';
import { AllocationStore } from './allocation-store';
import { ProvisioningNotConfiguredError, ProvisioningRuntime } from './provisioning-runtime';

/** Workspaces whose node should be up and reachable. */
const SERVED: ReadonlySet<WorkspaceStatus> = new Set(['active', 'past_due', 'suspended']);

export interface ReconcileReport {
  checked: number;
  dnsRecreated: number;
  dnsUnavailable: number;
  degraded: number;
  offline: number;
  versionDrift: number;
  orphans: number;
  /** Nodes told to trust a new set of control-plane keys (a key rotation), and those that could not be. */
  trustedKeysUpdated: number;
  trustedKeysFailed: number;
}

/**
 * Compares what should be (workspace status) with what is (DNS record, heartbeat, version)
 * and repairs what it safely can: a missing or wrong DNS record is recreated; a silent node is
 * marked degraded, then offline (and healthy again when it beats); a node that does not trust
 * the control-plane keys it should (a key rotation is under way) is given them. Every repair is
 * audited.
 */
@Injectable()
export class FleetReconciler {
  private readonly logger = new Logger('FleetReconciler');

  constructor(
    private readonly allocations: AllocationStore,
    private readonly runtime: ProvisioningRuntime,
    private readonly audit: AuditService,
  ) {}

  async reconcile(now = new Date()): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      checked: 0,
      dnsRecreated: 0,
      dnsUnavailable: 0,
      degraded: 0,
      offline: 0,
      versionDrift: 0,
      orphans: 0,
      trustedKeysUpdated: 0,
      trustedKeysFailed: 0,
    };
    const trustedKeys = this.trustedKeys();
    for (const { node, host, workspace } of await this.allocations.liveNodes()) {
      report.checked += 1;
      if (!SERVED.has(workspace.status)) {
        if (workspace.status === 'deprovisioned' || workspace.status === 'pending_payment') {
          report.orphans += 1;
          await this.audit.recordAlone({
            actor: SYSTEM_ACTOR,
            action: 'reconcile.orphan_node',
            workspaceId: workspace.id,
            target: { type: 'node', id: node.id },
            outcome: 'failure',
            details: { workspaceStatus: workspace.status },
          });
        }
        continue; // provisioning / deprovisioning runs own these
      }
      // DNS: the record must exist and point at the host.
      if (host) {
        const name = this.runtime.nodeHostname(workspace.slug);
        try {
          const records = await this.runtime.dns.find(name);
          const good = records.length === 1 && records[0].content === host.address && records[0].proxied;
          if (!good) {
            const { record, action } = await this.runtime.dns.upsert(name, host.address);
            await this.allocations.updateNode(node.id, { dnsRecordId: record.id });
            report.dnsRecreated += 1;
            await this.audit.recordAlone({
              actor: SYSTEM_ACTOR,
              action: 'reconcile.dns_repaired',
              workspaceId: workspace.id,
              target: { type: 'dns_record', id: record.id },
              details: { name, found: records.length, action },
            });
          }
        } catch (error) {
          report.dnsUnavailable += 1;
          this.logger.warn({ err: error, workspaceId: workspace.id }, 'DNS check failed');
        }
      }
      // Heartbeat freshness: silence makes a node degraded, then offline (its next signed
      // heartbeat sets the health from its own checks again, see NodesService).
      const next = statusAfterSilence(node, now.getTime(), this.runtime.config);
      if (next !== node.status) {
        await this.allocations.updateNode(
          node.id,
          { status: next },
          {
            actor: SYSTEM_ACTOR,
            action: `node.${next}`,
            workspaceId: workspace.id,
            target: { type: 'node', id: node.id },
            outcome: 'failure',
            details: {
              from: node.status,
              to: next,
              reason: 'no heartbeat',
              lastHeartbeatAt: node.lastHeartbeatAt?.toISOString() ?? null,
            },
          },
        );
        if (next === 'degraded') report.degraded += 1;
        else report.offline += 1;
      }
      // Version: what the node runs vs what we installed.
      if (node.reportedVersion && node.bundleVersion && !node.bundleVersion.startsWith(node.reportedVersion)) {
        report.versionDrift += 1;
        await this.audit.recordAlone({
          actor: SYSTEM_ACTOR,
          action: 'reconcile.version_drift',
          workspaceId: workspace.id,
          target: { type: 'node', id: node.id },
          outcome: 'failure',
          details: { installed: node.bundleVersion, reported: node.reportedVersion },
        });
      }
      if (host && trustedKeys && node.enrolledAt && !sameKeys(node.trustedKeyFingerprints, trustedKeys.fingerprints)) {
        try {
          const { fingerprints } = await this.runtime
            .nodeClient()
            .setTrustedKeys(this.runtime.nodeEndpoint(host, workspace.slug), trustedKeys.pems);
          await this.allocations.updateNode(
            node.id,
            { trustedKeyFingerprints: fingerprints },
            {
              actor: SYSTEM_ACTOR,
              action: 'node.trusted_keys_updated',
              workspaceId: workspace.id,
              target: { type: 'node', id: node.id },
              details: { from: node.trustedKeyFingerprints, to: fingerprints },
            },
          );
          report.trustedKeysUpdated += 1;
        } catch (error) {
          report.trustedKeysFailed += 1;
          this.logger.warn(
            { err: error, workspaceId: workspace.id },
            'could not update the control-plane keys the node trusts',
          );
        }
      }
    }
    return report;
  }

  /** The keys every node should trust, or undefined when no signing key is configured (nothing to sync). */
  private trustedKeys(): { pems: string[]; fingerprints: string[] } | undefined {
    try {
      const pems = this.runtime.trustedControlPlaneKeysPem();
      return { pems, fingerprints: pems.map((pem) => publicKeyFingerprint(pem)) };
    } catch (error) {
      if (error instanceof ProvisioningNotConfiguredError) return undefined;
      throw error;
    }
  }
}

function sameKeys(a: readonly string[] | null, b: readonly string[]): boolean {
  return a !== null && a.length === b.length && a.every((fingerprint) => b.includes(fingerprint));
}
