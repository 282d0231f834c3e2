import { Injectable } from '@nestjs/common';
import { ensureBundleOnHost } from '../../host/node-host';
import { ProvisioningRuntime } from '../provisioning-runtime';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

/**
 * Puts the current bundle on the host: its Node runtime only when the host lacks that runtime's
 * SHA-256 (or its copy no longer hashes to it), its app only when that archive is not there yet.
 */
@Injectable()
export class UploadStep implements ProvisioningStep {
  constructor(private readonly runtime: ProvisioningRuntime) {}

  async run(ctx: StepContext): Promise<void> {
    const bundle = await this.runtime.bundle();
    const delivery = await ensureBundleOnHost(await ctx.ssh(), ctx.requireHost().installRoot, bundle);
    const runtimeLine = {
      present: `Node runtime ${bundle.nodeVersion} already on the host (sha256 ${bundle.runtime.sha256}); not sent`,
      uploaded: `Node runtime ${bundle.nodeVersion} uploaded (${bundle.runtime.bytes} bytes, sha256 ${bundle.runtime.sha256})`,
      replaced: `Node runtime ${bundle.nodeVersion} on the host did not match its sha256 ${bundle.runtime.sha256}; replaced (${bundle.runtime.bytes} bytes)`,
    }[delivery.runtime];
    ctx.log(runtimeLine);
    ctx.log(
      delivery.app === 'uploaded'
        ? `uploaded app ${bundle.version} (${bundle.bytes} bytes, sha256 ${bundle.sha256})`
        : `host already has app ${bundle.version} (sha256 ${bundle.sha256}); upload skipped`,
    );
  }
}
