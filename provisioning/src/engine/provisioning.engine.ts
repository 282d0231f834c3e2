import { createHash, randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditService, SYSTEM_ACTOR } from '@enclave/audit';
import { MailerService } from '@enclave/mailer';
import { publicKeyFingerprint } from '@enclave/node-protocol';
import {
  HostEntity,
  MembershipEntity,
  NodeEntity,
  type ProvisioningAction,
  ProvisioningRunEntity,
  type ProvisioningStepEntity,
  UserEntity,
  WorkspaceEntity,
} from '@enclave/persistence';
import { UnrecoverableError } from 'bullmq';
import { DataSource, type EntityManager, In, Not } from 'typeorm';
import {
  createNodeCsr,
  dataDirExists,
  ensureBundleOnHost,
  installedCertificate,
  installNode,
  installNodeCertificate,
  nodectl,
  nodeLocallyHealthy,
  serviceNameFor,
  wipeHost,
} from '../host/node-host';
import { NoHostAvailableError } from '../hosts/host-provider';
import { type CommandRecord, HostKeyMismatchError, type SshSession } from '../ssh/ssh-executor';
import { ProvisioningNotConfiguredError, ProvisioningRuntime } from './provisioning-runtime';
import { RunStore } from './run-store';

/** The provisioning step machine, in order. Each step is idempotent: rerunning it after a crash is safe. */
export const PROVISION_STEPS = [
  'allocate',
  'ssh-ready',
  'upload',
  'install',
  'start',
  'dns',
  'tls',
  'enrol',
  'healthy',
] as const;
export type ProvisionStep = (typeof PROVISION_STEPS)[number];
export const DEPROVISION_STEPS = [
  'node-wipe',
  'host-wipe',
  'dns-remove',
  'certificate-revoke',
  'host-release',
] as const;
export type DeprovisionStep = (typeof DEPROVISION_STEPS)[number];

/** Thrown when another worker holds the workspace (a stalled job taken over while the first still runs). */
export class WorkspaceBusyError extends Error {
  constructor(workspaceId: string) {
    super(`workspace ${workspaceId} is being provisioned by another worker`);
    this.name = 'WorkspaceBusyError';
  }
}

export type RunOutcome = { outcome: 'succeeded'; runId: string; ms: number } | { outcome: 'skipped'; reason: string };

interface RunContext {
  workspace: WorkspaceEntity;
  run: ProvisioningRunEntity;
  step?: ProvisioningStepEntity;
  host?: HostEntity;
  node?: NodeEntity;
  session?: SshSession;
  logChain: Promise<void>;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function describe(record: CommandRecord): string {
  const out = [record.stdout.trim(), record.stderr.trim()].filter(Boolean).join('\n');
  return `$ ${record.command}\n[exit ${record.exitCode ?? 'none'} in ${record.ms} ms]${out ? `\n${out}` : ''}`;
}

/**
 * Provisions and deprovisions one workspace's agent node. State lives in Postgres
 * (provisioning_runs / provisioning_steps, hosts, nodes): a run that stops anywhere — a crash,
 * a kill -9, a lost connection — continues at the first unfinished step when the job runs again.
 */
@Injectable()
export class ProvisioningEngine {
  private readonly logger = new Logger('ProvisioningEngine');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runtime: ProvisioningRuntime,
    private readonly store: RunStore,
    private readonly audit: AuditService,
    private readonly mailer: MailerService,
  ) {}

  // ---------------------------------------------------------------------------------------
  // Provisioning
  // ---------------------------------------------------------------------------------------

  provision(workspaceId: string): Promise<RunOutcome> {
    return this.withWorkspaceLock(workspaceId, async () => {
      const workspace = await this.dataSource.getRepository(WorkspaceEntity).findOneBy({ id: workspaceId });
      if (!workspace || workspace.deletedAt) return { outcome: 'skipped', reason: 'workspace does not exist' };
      if (!['provisioning', 'provisioning_failed'].includes(workspace.status))
        return { outcome: 'skipped', reason: `workspace is ${workspace.status}` };
      const started = Date.now();
      const { run, steps } = await this.store.openRun(workspaceId, 'provision', PROVISION_STEPS);
      if (run.attempts === 1)
        await this.audit.recordAlone({
          actor: SYSTEM_ACTOR,
          action: 'provisioning.started',
          workspaceId,
          target: { type: 'provisioning_run', id: run.id },
        });
      const ctx: RunContext = { workspace, run, logChain: Promise.resolve() };
      try {
        await this.loadAllocation(ctx);
        for (const step of steps) {
          if (step.status === 'succeeded') continue;
          await this.runStep(ctx, step, () => this.provisionStep(ctx, step.name as ProvisionStep));
        }
        await this.finishProvisioning(ctx, Date.now() - started);
        return { outcome: 'succeeded', runId: run.id, ms: Date.now() - started };
      } finally {
        await ctx.session?.close();
      }
    });
  }

  private async provisionStep(ctx: RunContext, step: ProvisionStep): Promise<void> {
    const config = this.runtime.config;
    switch (step) {
      case 'allocate':
        return this.allocate(ctx);
      case 'ssh-ready': {
        const host = await this.runtime
          .provider(this.host(ctx).provider)
          .waitUntilReady(this.host(ctx), (line) => this.log(ctx, line));
        ctx.host = host;
        let lastError: unknown;
        for (let attempt = 1; attempt <= 3; attempt++) {
          try {
            await this.ssh(ctx);
            const who = await ctx.session!.exec('uname -srm && id -un');
            this.log(
              ctx,
              `connected to ${host.address}:${host.sshPort}, host key ${host.hostKeyFingerprint} verified (${who.stdout.trim().replace(/\n/g, ', ')})`,
            );
            return;
          } catch (error) {
            if (error instanceof HostKeyMismatchError) throw error;
            lastError = error;
            this.log(ctx, `ssh attempt ${attempt} failed: ${(error as Error).message}`);
            if (attempt < 3) await sleep(1_000);
          }
        }
        throw lastError;
      }
      case 'upload': {
        const bundle = await this.runtime.bundle();
        const { uploaded } = await ensureBundleOnHost(await this.ssh(ctx), this.host(ctx).installRoot, bundle);
        this.log(
          ctx,
          uploaded
            ? `uploaded bundle ${bundle.version} (${bundle.bytes} bytes, sha256 ${bundle.sha256})`
            : `host already has bundle ${bundle.version} (sha256 ${bundle.sha256}); upload skipped`,
        );
        return;
      }
      case 'install': {
        const bundle = await this.runtime.bundle();
        const node = this.node(ctx);
        const host = this.host(ctx);
        // The one-time token goes to the host only; Postgres keeps its hash. Once the node has
        // enrolled, a re-install writes a fresh token that nothing will ever accept.
        const token = randomBytes(32).toString('base64url');
        if (!node.enrolledAt) {
          node.enrolmentTokenHash = sha256(token);
          await this.dataSource
            .getRepository(NodeEntity)
            .update({ id: node.id }, { enrolmentTokenHash: node.enrolmentTokenHash });
        }
        const nodeConfig = {
          nodeId: node.id,
          dataDir: `${host.installRoot}/data`,
          listen: { host: '127.0.0.1', port: host.nodePort },
          publicBaseUrl: `https://${this.runtime.nodeHostname(ctx.workspace.slug)}`,
          controlPlane: {
            url: this.runtime.controlPlaneUrlForNodes(),
            publicKey: this.runtime.controlPlanePublicKeyPem(),
            enrolmentToken: token,
          },
          heartbeatIntervalMs: config.PROVISIONING_NODE_HEARTBEAT_MS,
          // The same provider endpoints the control plane validates credentials against
          // (the real APIs in production, the sandbox stand-ins in development and tests).
          telegramApiRoot: config.TELEGRAM_API_ROOT,
          whatsapp: {
            graphApiBaseUrl: config.WHATSAPP_GRAPH_API_URL,
            graphApiVersion: config.WHATSAPP_GRAPH_API_VERSION,
          },
          providers: { openaiBaseUrl: config.OPENAI_API_URL, anthropicBaseUrl: config.ANTHROPIC_API_URL },
          logLevel: 'info',
        };
        const result = await installNode(
          await this.ssh(ctx),
          {
            root: host.installRoot,
            service: serviceNameFor(host.installRoot),
            memoryMax: config.PROVISIONING_NODE_MEMORY_MAX,
          },
          bundle,
          nodeConfig,
        );
        node.bundleVersion = bundle.version;
        // A fresh node trusts the key in its config; later changes come from reconciliation.
        node.trustedKeyFingerprints ??= [publicKeyFingerprint(nodeConfig.controlPlane.publicKey)];
        await this.dataSource
          .getRepository(NodeEntity)
          .update(
            { id: node.id },
            { bundleVersion: bundle.version, trustedKeyFingerprints: node.trustedKeyFingerprints },
          );
        this.log(
          ctx,
          `installed ${result.installed} (${result.mode}); node config written with a fresh one-time enrolment token`,
        );
        return;
      }
      case 'start': {
        const host = this.host(ctx);
        const session = await this.ssh(ctx);
        // Not enrolled yet: restart so a running node picks up the config (and token) just written.
        await nodectl(session, host.installRoot, this.node(ctx).enrolledAt ? 'start' : 'restart');
        await this.waitFor(ctx, 'the node to answer its local health check', 60_000, () =>
          nodeLocallyHealthy(session, host.installRoot, host.nodePort),
        );
        return;
      }
      case 'dns': {
        const name = this.runtime.nodeHostname(ctx.workspace.slug);
        const { record, action } = await this.runtime.dns.upsert(name, this.host(ctx).address);
        await this.dataSource.getRepository(NodeEntity).update({ id: this.node(ctx).id }, { dnsRecordId: record.id });
        this.log(ctx, `DNS ${record.type} ${name} -> ${record.content} (proxied) ${action}, record ${record.id}`);
        if (action !== 'unchanged') {
          await this.audit.recordAlone({
            actor: SYSTEM_ACTOR,
            action: 'dns.record_upserted',
            workspaceId: ctx.workspace.id,
            target: { type: 'dns_record', id: record.id },
            details: { name, type: record.type, action },
          });
        }
        return;
      }
      case 'tls': {
        const host = this.host(ctx);
        const node = this.node(ctx);
        const session = await this.ssh(ctx);
        const hostname = this.runtime.nodeHostname(ctx.workspace.slug);
        const existing = await installedCertificate(session, host.installRoot);
        if (existing && node.certificateId) {
          this.log(ctx, `origin certificate ${node.certificateId} already installed`);
          await installNodeCertificate(session, host.installRoot, existing, { host: '0.0.0.0', port: host.publicPort });
          return;
        }
        const csr = await createNodeCsr(session, host.installRoot, hostname);
        const issued = await this.runtime.originCa.issue(csr, [hostname]);
        // Record the id before installing, so a crash here leaves nothing unrevokable behind.
        const previous = node.certificateId;
        node.certificateId = issued.id;
        await this.dataSource
          .getRepository(NodeEntity)
          .update(
            { id: node.id },
            { certificateId: issued.id, certificateExpiresAt: issued.expiresOn ? new Date(issued.expiresOn) : null },
          );
        if (previous && previous !== issued.id) await this.runtime.originCa.revoke(previous).catch(() => undefined);
        await installNodeCertificate(session, host.installRoot, issued.certificate, {
          host: '0.0.0.0',
          port: host.publicPort,
        });
        this.log(
          ctx,
          `origin certificate ${issued.id} issued for ${hostname} (expires ${issued.expiresOn ?? 'unknown'}); key generated on the host, HTTPS on port ${host.publicPort}`,
        );
        return;
      }
      case 'enrol': {
        const node = await this.waitFor(ctx, 'the node to enrol', config.PROVISIONING_WAIT_TIMEOUT_MS, async () => {
          const fresh = await this.dataSource.getRepository(NodeEntity).findOneByOrFail({ id: this.node(ctx).id });
          return fresh.enrolledAt ? fresh : undefined;
        });
        ctx.node = node;
        this.log(ctx, `node ${node.id} enrolled at ${node.enrolledAt!.toISOString()} (public key stored)`);
        return;
      }
      case 'healthy': {
        const endpoint = this.runtime.nodeEndpoint(this.host(ctx), ctx.workspace.slug);
        const client = this.runtime.nodeClient();
        let lastProblem = '';
        await this.waitFor(
          ctx,
          'a healthy heartbeat and a signed health check',
          config.PROVISIONING_WAIT_TIMEOUT_MS,
          async () => {
            const node = await this.dataSource.getRepository(NodeEntity).findOneByOrFail({ id: this.node(ctx).id });
            if (
              !node.lastHeartbeatAt ||
              !node.enrolledAt ||
              node.lastHeartbeatAt < node.enrolledAt ||
              node.reportedState !== 'active'
            ) {
              lastProblem = 'no heartbeat since enrolment yet';
              return undefined;
            }
            try {
              const health = await client.health(endpoint);
              if (
                health.nodeId !== node.id ||
                !health.enrolled ||
                health.state !== 'active' ||
                health.checks?.database.ok === false
              ) {
                lastProblem = `node health: ${JSON.stringify({ nodeId: health.nodeId, enrolled: health.enrolled, state: health.state })}`;
                return undefined;
              }
              this.log(
                ctx,
                `signed health check over HTTPS (${endpoint.hostname} at ${endpoint.address}:${endpoint.port}): ${health.state}, version ${health.version}; last heartbeat ${node.lastHeartbeatAt.toISOString()}`,
              );
              return true;
            } catch (error) {
              lastProblem = (error as Error).message;
              return undefined;
            }
          },
        ).catch((error: Error) => {
          throw new Error(`${error.message} (${lastProblem})`);
        });
        return;
      }
    }
  }

  private async allocate(ctx: RunContext): Promise<void> {
    const provider = this.runtime.provider();
    const { host, node, created } = await this.dataSource.transaction(async (manager) => {
      // Serialises allocation per workspace (the row lock) while hosts are taken with SKIP LOCKED.
      await manager
        .createQueryBuilder(WorkspaceEntity, 'w')
        .setLock('pessimistic_write')
        .where({ id: ctx.workspace.id })
        .getOne();
      const existingHost = await manager.findOneBy(HostEntity, { workspaceId: ctx.workspace.id });
      const host = existingHost ?? (await provider.allocate(manager, ctx.workspace.id));
      if (!host) throw new NoHostAvailableError(provider.name);
      let node = await manager.findOneBy(NodeEntity, { workspaceId: ctx.workspace.id, status: Not('wiped') });
      if (!node)
        node = await manager.save(
          NodeEntity,
          manager.create(NodeEntity, { workspaceId: ctx.workspace.id, hostId: host.id, status: 'installing' }),
        );
      if (!existingHost) {
        await this.audit.record(manager, {
          actor: SYSTEM_ACTOR,
          action: 'provisioning.host_allocated',
          workspaceId: ctx.workspace.id,
          target: { type: 'host', id: host.id },
          details: { provider: host.provider, host: host.name, nodeId: node.id },
        });
      }
      return { host, node, created: !existingHost };
    });
    ctx.host = host;
    ctx.node = node;
    this.log(
      ctx,
      `${created ? 'allocated' : 'already holds'} host ${host.name} (${host.provider}, ${host.address}); node ${node.id}`,
    );
  }

  private async finishProvisioning(ctx: RunContext, ms: number): Promise<void> {
    const activated = await this.dataSource.transaction(async (manager) => {
      const workspace = await manager
        .createQueryBuilder(WorkspaceEntity, 'w')
        .setLock('pessimistic_write')
        .where({ id: ctx.workspace.id })
        .getOneOrFail();
      // Heartbeats set the health from the node's own checks; provisioning only ends the install phase.
      await manager.update(
        NodeEntity,
        { id: this.node(ctx).id, status: In(['installing', 'enrolled']) },
        { status: 'healthy' },
      );
      const activate = workspace.status === 'provisioning' || workspace.status === 'provisioning_failed';
      if (activate) await manager.update(WorkspaceEntity, { id: workspace.id }, { status: 'active' });
      await this.audit.record(manager, {
        actor: SYSTEM_ACTOR,
        action: 'provisioning.succeeded',
        workspaceId: workspace.id,
        target: { type: 'node', id: this.node(ctx).id },
        details: {
          runId: ctx.run.id,
          hostId: this.host(ctx).id,
          version: this.node(ctx).bundleVersion,
          attempts: ctx.run.attempts,
          ms,
          workspaceStatus: activate ? 'active' : workspace.status,
        },
      });
      return activate;
    });
    await this.store.runFinished(ctx.run);
    if (activated) {
      await this.mailOwners(ctx.workspace.id, {
        subject: `Your Enclave workspace "${ctx.workspace.name}" is ready`,
        text: `Your workspace's own server is up and running at https://${this.runtime.nodeHostname(ctx.workspace.slug)}.\n\nYou can now configure your agents and channels from the dashboard.\n`,
      });
    }
  }

  /** Called by the job handler when an attempt failed; on the last one the workspace is marked failed. */
  async recordFailure(workspaceId: string, action: ProvisioningAction, error: Error, final: boolean): Promise<void> {
    const run = await this.dataSource
      .getRepository(ProvisioningRunEntity)
      .findOneBy({ workspaceId, action, status: In(['running', 'failed']) });
    if (!final) {
      if (run)
        await this.dataSource
          .getRepository(ProvisioningRunEntity)
          .update({ id: run.id }, { error: error.message.slice(0, 4000) });
      return;
    }
    if (run) await this.store.runFinished(run, error.message);
    const failedStatus = action === 'provision' ? 'provisioning_failed' : null;
    const changed = await this.dataSource.transaction(async (manager) => {
      const workspace = await manager
        .createQueryBuilder(WorkspaceEntity, 'w')
        .setLock('pessimistic_write')
        .where({ id: workspaceId })
        .getOne();
      if (!workspace) return false;
      const change = failedStatus !== null && workspace.status === 'provisioning';
      if (change) await manager.update(WorkspaceEntity, { id: workspaceId }, { status: failedStatus });
      await this.audit.record(manager, {
        actor: SYSTEM_ACTOR,
        action: action === 'provision' ? 'provisioning.failed' : 'deprovisioning.failed',
        workspaceId,
        target: run ? { type: 'provisioning_run', id: run.id } : null,
        outcome: 'failure',
        details: { error: error.message.slice(0, 500), attempts: run?.attempts ?? null, staffActionNeeded: true },
      });
      return change;
    });
    if (changed) {
      const workspace = await this.dataSource.getRepository(WorkspaceEntity).findOneByOrFail({ id: workspaceId });
      await this.mailOwners(workspaceId, {
        subject: `Setting up your Enclave workspace "${workspace.name}" is delayed`,
        text: "We could not finish setting up your workspace's server yet. Our team has been notified and will retry shortly; you do not need to do anything.\n",
      });
    }
  }

  // ---------------------------------------------------------------------------------------
  // Deprovisioning
  // ---------------------------------------------------------------------------------------

  deprovision(workspaceId: string): Promise<RunOutcome> {
    return this.withWorkspaceLock(workspaceId, async () => {
      const workspace = await this.dataSource.getRepository(WorkspaceEntity).findOneBy({ id: workspaceId });
      if (!workspace) return { outcome: 'skipped', reason: 'workspace does not exist' };
      if (workspace.status !== 'deprovisioning')
        return { outcome: 'skipped', reason: `workspace is ${workspace.status}` };
      const started = Date.now();
      // An unfinished provisioning is superseded: it must not be resumed later.
      await this.dataSource
        .getRepository(ProvisioningRunEntity)
        .update(
          { workspaceId, action: 'provision', status: In(['running', 'failed']) },
          { status: 'canceled', finishedAt: new Date(), error: 'superseded by deprovisioning' },
        );
      const { run, steps } = await this.store.openRun(workspaceId, 'deprovision', DEPROVISION_STEPS);
      if (run.attempts === 1)
        await this.audit.recordAlone({
          actor: SYSTEM_ACTOR,
          action: 'deprovisioning.started',
          workspaceId,
          target: { type: 'provisioning_run', id: run.id },
        });
      const ctx: RunContext = { workspace, run, logChain: Promise.resolve() };
      try {
        await this.loadAllocation(ctx);
        for (const step of steps) {
          if (step.status === 'succeeded') continue;
          await this.runStep(ctx, step, () => this.deprovisionStep(ctx, step.name as DeprovisionStep));
        }
        await this.dataSource.transaction(async (manager) => {
          await manager.update(
            WorkspaceEntity,
            { id: workspaceId, status: 'deprovisioning' },
            { status: 'deprovisioned' },
          );
          await this.audit.record(manager, {
            actor: SYSTEM_ACTOR,
            action: 'deprovisioning.succeeded',
            workspaceId,
            target: { type: 'provisioning_run', id: run.id },
            details: { nodeId: ctx.node?.id ?? null, hostId: ctx.host?.id ?? null, ms: Date.now() - started },
          });
        });
        await this.store.runFinished(run);
        return { outcome: 'succeeded', runId: run.id, ms: Date.now() - started };
      } finally {
        await ctx.session?.close();
      }
    });
  }

  private async deprovisionStep(ctx: RunContext, step: DeprovisionStep): Promise<void> {
    const node = ctx.node;
    const host = ctx.host;
    switch (step) {
      case 'node-wipe': {
        if (!node || !host || node.status === 'wiped') return this.log(ctx, 'no live node: nothing to wipe');
        if (node.wipeReceipt) return this.log(ctx, 'wipe receipt already stored');
        if (!node.publicKey) return this.log(ctx, 'node never enrolled: the wipe script will clean the host');
        try {
          const receipt = await this.runtime
            .nodeClient()
            .wipe(this.runtime.nodeEndpoint(host, ctx.workspace.slug), node.id);
          if (receipt.nodeId !== node.id) throw new Error(`receipt names node ${receipt.nodeId}`);
          const stored = { method: 'node', ...receipt };
          node.wipeReceipt = stored;
          await this.dataSource.transaction(async (manager) => {
            await manager.update(NodeEntity, { id: node.id }, { wipeReceipt: stored });
            await this.audit.record(manager, {
              actor: SYSTEM_ACTOR,
              action: 'node.wiped',
              workspaceId: ctx.workspace.id,
              target: { type: 'node', id: node.id },
              details: {
                method: 'node',
                sha256: receipt.sha256,
                deleted: { ...receipt.deleted, files: receipt.deleted.files.length },
                remaining: receipt.remaining.length,
              },
            });
          });
          this.log(
            ctx,
            `node wiped itself: receipt ${receipt.sha256} (${receipt.deleted.conversations} conversations, ${receipt.deleted.messages} messages, ${receipt.deleted.secrets} secrets; ${receipt.remaining.length} files remaining)`,
          );
        } catch (error) {
          this.log(ctx, `node did not wipe (${(error as Error).message}); the wipe script will do it over SSH`);
          await this.audit.recordAlone({
            actor: SYSTEM_ACTOR,
            action: 'deprovisioning.node_unresponsive',
            workspaceId: ctx.workspace.id,
            target: { type: 'node', id: node.id },
            outcome: 'failure',
            details: { error: (error as Error).message.slice(0, 300) },
          });
        }
        return;
      }
      case 'host-wipe': {
        if (!host) return this.log(ctx, 'no host allocated: nothing to wipe');
        if (host.status !== 'allocated' && host.status !== 'wiping')
          return this.log(ctx, `host is ${host.status}: already released`);
        await this.dataSource.getRepository(HostEntity).update({ id: host.id }, { status: 'wiping' });
        host.status = 'wiping';
        const session = await this.ssh(ctx);
        const { wiped } = await wipeHost(session, host.installRoot);
        if (!wiped || (await dataDirExists(session, host.installRoot)))
          throw new Error(`the data directory ${host.installRoot}/data is still there after the wipe script`);
        this.log(ctx, `wipe script done; ${host.installRoot}/data verified gone`);
        if (node) {
          const receipt = node.wipeReceipt ?? {
            method: 'wipe-script',
            nodeId: node.id,
            wipedAt: new Date().toISOString(),
          };
          const stored = {
            ...receipt,
            hostWipe: { script: 'wipe.sh', dataDirRemoved: true, verifiedAt: new Date().toISOString() },
          };
          node.wipeReceipt = stored;
          await this.dataSource.transaction(async (manager) => {
            await manager.update(NodeEntity, { id: node.id }, { wipeReceipt: stored });
            await this.audit.record(manager, {
              actor: SYSTEM_ACTOR,
              action: 'host.wiped',
              workspaceId: ctx.workspace.id,
              target: { type: 'host', id: host.id },
              details: { nodeId: node.id, nodeReceipt: receipt.method === 'node' },
            });
          });
        }
        return;
      }
      case 'dns-remove': {
        const name = this.runtime.nodeHostname(ctx.workspace.slug);
        const removed = await this.runtime.dns.remove(name);
        if (node) await this.dataSource.getRepository(NodeEntity).update({ id: node.id }, { dnsRecordId: null });
        this.log(ctx, `DNS records named ${name} removed: ${removed}`);
        if (removed > 0)
          await this.audit.recordAlone({
            actor: SYSTEM_ACTOR,
            action: 'dns.record_removed',
            workspaceId: ctx.workspace.id,
            target: { type: 'dns_name', id: name },
            details: { removed },
          });
        return;
      }
      case 'certificate-revoke': {
        if (!node?.certificateId) return this.log(ctx, 'no origin certificate to revoke');
        await this.runtime.originCa.revoke(node.certificateId);
        await this.dataSource.getRepository(NodeEntity).update({ id: node.id }, { certificateId: null });
        this.log(ctx, `origin certificate ${node.certificateId} revoked`);
        return;
      }
      case 'host-release': {
        await this.dataSource.transaction(async (manager) => {
          if (host && (host.status === 'wiping' || host.status === 'allocated')) {
            await this.runtime.provider(host.provider).release(manager, host);
            await this.audit.record(manager, {
              actor: SYSTEM_ACTOR,
              action: 'host.released',
              workspaceId: ctx.workspace.id,
              target: { type: 'host', id: host.id },
              details: { provider: host.provider },
            });
          }
          if (node && node.status !== 'wiped')
            await manager.update(
              NodeEntity,
              { id: node.id },
              { status: 'wiped', wipedAt: new Date(), enrolmentTokenHash: null },
            );
        });
        this.log(ctx, host ? `host ${host.name} released (${host.provider})` : 'no host to release');
        return;
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Shared machinery
  // ---------------------------------------------------------------------------------------

  private async runStep(ctx: RunContext, step: ProvisioningStepEntity, body: () => Promise<void>): Promise<void> {
    ctx.step = step;
    await this.store.stepStarted(ctx.run, step);
    try {
      await body();
      await ctx.logChain;
      await this.store.stepFinished(ctx.run, step);
    } catch (error) {
      await ctx.logChain.catch(() => undefined);
      await this.store.stepFinished(ctx.run, step, (error as Error).message);
      if (error instanceof HostKeyMismatchError) {
        await this.audit.recordAlone({
          actor: SYSTEM_ACTOR,
          action: 'provisioning.host_key_mismatch',
          workspaceId: ctx.workspace.id,
          target: ctx.host ? { type: 'host', id: ctx.host.id } : null,
          outcome: 'denied',
          details: { host: error.host, expected: error.expected, presented: error.presented, step: step.name },
        });
        throw new UnrecoverableError(error.message);
      }
      if (error instanceof ProvisioningNotConfiguredError) throw new UnrecoverableError(error.message);
      throw error;
    } finally {
      ctx.step = undefined;
    }
  }

  private async loadAllocation(ctx: RunContext): Promise<void> {
    ctx.host =
      (await this.dataSource.getRepository(HostEntity).findOneBy({ workspaceId: ctx.workspace.id })) ?? undefined;
    const nodes = await this.dataSource
      .getRepository(NodeEntity)
      .find({ where: { workspaceId: ctx.workspace.id }, order: { createdAt: 'DESC' } });
    ctx.node = nodes.find((n) => n.status !== 'wiped');
    if (!ctx.host && ctx.node?.hostId)
      ctx.host = (await this.dataSource.getRepository(HostEntity).findOneBy({ id: ctx.node.hostId })) ?? undefined;
  }

  private host(ctx: RunContext): HostEntity {
    if (!ctx.host) throw new Error('no host is allocated to this workspace');
    return ctx.host;
  }

  private node(ctx: RunContext): NodeEntity {
    if (!ctx.node) throw new Error('no node record for this workspace');
    return ctx.node;
  }

  /** One SSH connection per run, opened on first use, host key checked against the pin. */
  private async ssh(ctx: RunContext): Promise<SshSession> {
    if (ctx.session) return ctx.session;
    ctx.session = await this.runtime.openSsh(this.host(ctx), (record) => this.log(ctx, describe(record)));
    return ctx.session;
  }

  private log(ctx: RunContext, text: string): void {
    const step = ctx.step;
    if (!step) return;
    ctx.logChain = ctx.logChain
      .then(() => this.store.log(step, text))
      .catch((error: unknown) => this.logger.warn({ err: error }, 'step log not written'));
  }

  private async waitFor<T>(
    ctx: RunContext,
    what: string,
    timeoutMs: number,
    probe: () => Promise<T | undefined | false>,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    this.log(ctx, `waiting for ${what} (up to ${Math.round(timeoutMs / 1000)} s)`);
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(500);
    }
  }

  /**
   * Session-level advisory lock on a dedicated connection: one worker per workspace at a time,
   * released by Postgres itself if the worker dies (the connection closes).
   */
  private async withWorkspaceLock<T>(workspaceId: string, work: () => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      // A run that just finished may still hold the lock for a moment (mail, cleanup): wait a
      // little before giving up, so a normal hand-over does not cost the next job an attempt.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [
          `provisioning:${workspaceId}`,
        ])) as Array<{ locked: boolean }>;
        if (locked) break;
        if (Date.now() > deadline) throw new WorkspaceBusyError(workspaceId);
        await sleep(250);
      }
      try {
        return await work();
      } finally {
        await runner
          .query(`SELECT pg_advisory_unlock(hashtext($1))`, [`provisioning:${workspaceId}`])
          .catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }

  private async mailOwners(workspaceId: string, mail: { subject: string; text: string }): Promise<void> {
    const owners = await this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .innerJoin(MembershipEntity, 'm', 'm.user_id = u.id AND m.workspace_id = :workspaceId AND m.role = :role', {
        workspaceId,
        role: 'owner',
      })
      .getMany();
    for (const owner of owners) {
      try {
        await this.mailer.send({ ...mail, to: owner.email });
      } catch (error) {
        this.logger.warn({ err: error, workspaceId }, 'provisioning notice could not be mailed');
      }
    }
  }

  /** For reconciliation and upgrades: SSH to a node's host with the same pinning and logging. */
  async withHostSession<T>(
    host: HostEntity,
    onLog: (line: string) => void,
    work: (session: SshSession) => Promise<T>,
  ): Promise<T> {
    const session = await this.runtime.openSsh(host, (record) => onLog(describe(record)));
    try {
      return await work(session);
    } finally {
      await session.close();
    }
  }

  /** Live nodes with their hosts and workspaces (reconciliation, fleet view). */
  async liveNodes(
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Array<{ node: NodeEntity; host: HostEntity | null; workspace: WorkspaceEntity }>> {
    const nodes = await manager.find(NodeEntity, { where: { status: Not('wiped') } });
    const result = [];
    for (const node of nodes) {
      const workspace = await manager.findOneBy(WorkspaceEntity, { id: node.workspaceId });
      if (!workspace) continue;
      const host = node.hostId ? await manager.findOneBy(HostEntity, { id: node.hostId }) : null;
      result.push({ node, host, workspace });
    }
    return result;
  }
}
