import { Injectable } from '@nestjs/common';
import { ensureBundleOnHost } from '../../host/node-host';
import { ProvisioningRuntime } from '../provisioning-runtime';
import type { StepContext } from '../step-context';
import type { ProvisioningStep } from './step';

/** Puts the current bundle on the host, unless the host already has one with its SHA-256. */
@Injectable()
export class UploadStep implements ProvisioningStep {
  constructor(private readonly runtime: ProvisioningRuntime) {}

  async run(ctx: StepContext): Promise<void> {
    const bundle = await this.runtime.bundle();
    const { uploaded } = await ensureBundleOnHost(await ctx.ssh(), ctx.requireHost().installRoot, bundle);
    ctx.log(
      uploaded
        ? `uploaded bundle ${bundle.version} (${bundle.bytes} bytes, sha256 ${bundle.sha256})`
        : `host already has bundle ${bundle.version} (sha256 ${bundle.sha256}); upload skipped`,
    );
  }
}
