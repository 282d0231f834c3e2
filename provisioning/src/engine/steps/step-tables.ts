import { Injectable } from '@nestjs/common';
import { AllocateStep } from './allocate.step';
import { CertificateRevokeStep } from './certificate-revoke.step';
import { DnsRemoveStep } from './dns-remove.step';
import { DnsStep } from './dns.step';
import { EnrolStep } from './enrol.step';
import { HealthyStep } from './healthy.step';
import { HostReleaseStep } from './host-release.step';
import { HostWipeStep } from './host-wipe.step';
import { InstallStep } from './install.step';
import { NodeWipeStep } from './node-wipe.step';
import { SshReadyStep } from './ssh-ready.step';
import { StartStep } from './start.step';
import { TlsStep } from './tls.step';
import type { ProvisioningStep, StepTable } from './step';
import { UploadStep } from './upload.step';

/**
 * The provisioning steps, in order. The names are stored with every run (provisioning_steps)
 * and resumed by name: renaming one strands the runs that have not finished yet.
 */
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

/** The deprovisioning steps, in order: the host is released only after its wipe is verified. */
export const DEPROVISION_STEPS = [
  'node-wipe',
  'host-wipe',
  'dns-remove',
  'certificate-revoke',
  'host-release',
] as const;
export type DeprovisionStep = (typeof DEPROVISION_STEPS)[number];

@Injectable()
export class ProvisionStepTable implements StepTable<ProvisionStep> {
  readonly names = PROVISION_STEPS;
  readonly steps: Readonly<Record<ProvisionStep, ProvisioningStep>>;

  constructor(
    allocate: AllocateStep,
    sshReady: SshReadyStep,
    upload: UploadStep,
    install: InstallStep,
    start: StartStep,
    dns: DnsStep,
    tls: TlsStep,
    enrol: EnrolStep,
    healthy: HealthyStep,
  ) {
    this.steps = { allocate, 'ssh-ready': sshReady, upload, install, start, dns, tls, enrol, healthy };
  }
}

@Injectable()
export class DeprovisionStepTable implements StepTable<DeprovisionStep> {
  readonly names = DEPROVISION_STEPS;
  readonly steps: Readonly<Record<DeprovisionStep, ProvisioningStep>>;

  constructor(
    nodeWipe: NodeWipeStep,
    hostWipe: HostWipeStep,
    dnsRemove: DnsRemoveStep,
    certificateRevoke: CertificateRevokeStep,
    hostRelease: HostReleaseStep,
  ) {
    this.steps = {
      'node-wipe': nodeWipe,
      'host-wipe': hostWipe,
      'dns-remove': dnsRemove,
      'certificate-revoke': certificateRevoke,
      'host-release': hostRelease,
    };
  }
}

/** Every step and both tables, for the engine's module. */
export const STEP_PROVIDERS = [
  AllocateStep,
  SshReadyStep,
  UploadStep,
  InstallStep,
  StartStep,
  DnsStep,
  TlsStep,
  EnrolStep,
  HealthyStep,
  NodeWipeStep,
  HostWipeStep,
  DnsRemoveStep,
  CertificateRevokeStep,
  HostReleaseStep,
  ProvisionStepTable,
  DeprovisionStepTable,
];
