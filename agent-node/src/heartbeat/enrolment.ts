import type { EnrolRequest } from '@enclave/node-protocol';
import type { NodeLogger } from '../logging/logger';
import { SETTING, type SettingsRepository } from '../storage/settings.repository';
import { ControlPlaneError, type ControlPlaneClient } from './control-plane.client';

/**
 * The node's first call: its new public key and the one-time token from its config
 * (`POST /v1/nodes/enrol`, signed with that key). Retried before every beat until it succeeds.
 */
export class Enrolment {
  constructor(
    private readonly settings: SettingsRepository,
    private readonly client: Pick<ControlPlaneClient, 'enrol'>,
    private readonly request: EnrolRequest,
    private readonly logger: NodeLogger,
  ) {}

  enrolled(): boolean {
    return !!this.settings.get(SETTING.enrolledAt);
  }

  async enrol(): Promise<boolean> {
    if (this.enrolled()) return true;
    try {
      await this.client.enrol(this.request);
      this.settings.set(SETTING.enrolledAt, new Date().toISOString());
      this.logger.info('enrolled with the control plane');
      return true;
    } catch (err) {
      this.logger.warn(
        { code: err instanceof ControlPlaneError ? err.code : 'unknown_error' },
        'enrolment failed; retrying next beat',
      );
      return false;
    }
  }
}
