import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { publicKeyFingerprint } from '@enclave/node-protocol';
import { hashEnrolmentToken } from '@enclave/persistence';
import { installNode, serviceNameFor } from '../../host/node-host';
import { AllocationStore } from '../allocation-store';
import { ProvisioningRuntime } from '../provisioning-runtime';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

/** Unpacks the bundle into its version directory, writes the node config with a one-time enrolment token, switches `current`. */
@Injectable()
export class InstallStep implements ProvisioningStep {
  constructor(
    private readonly runtime: ProvisioningRuntime,
    private readonly allocations: AllocationStore,
  ) {}

  async run(ctx: StepContext): Promise<void> {
    const config = this.runtime.config;
    const bundle = await this.runtime.bundle();
    const node = ctx.requireNode();
    const host = ctx.requireHost();
    // The one-time token goes to the host only; Postgres keeps its hash. Once the node has
    // enrolled, a re-install writes a fresh token that nothing will ever accept.
    const token = randomBytes(32).toString('base64url');
    if (!node.enrolledAt) {
      node.enrolmentTokenHash = hashEnrolmentToken(token);
      await this.allocations.updateNode(node.id, { enrolmentTokenHash: node.enrolmentTokenHash });
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
    const session = await ctx.ssh();
    session.redact(token);
    const result = await installNode(
      session,
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
    await this.allocations.updateNode(node.id, {
      bundleVersion: bundle.version,
      trustedKeyFingerprints: node.trustedKeyFingerprints,
    });
    ctx.log(
      `installed ${result.installed} (${result.mode}); node config written with a fresh one-time enrolment token`,
    );
  }
}
