import { defineErrors } from '@enclave/platform';

/** Staff operations on provisioning runs, hosts and fleet upgrades. */
export const PROVISIONING_ERRORS = defineErrors({
  notRetryable: { kind: 'conflict', code: 'not_retryable', message: 'This workspace cannot be retried now.' },
  provisioningRunning: {
    kind: 'conflict',
    code: 'provisioning_running',
    message: 'Provisioning is still queued or running for this workspace.',
  },
  deprovisioningPending: {
    kind: 'conflict',
    code: 'deprovisioning_pending',
    message: 'Deprovisioning is still queued or running for this workspace.',
  },
  hostNameTaken: { kind: 'conflict', code: 'host_name_taken', message: 'A host with this name is already registered.' },
  hostNotFound: { kind: 'not_found', code: 'host_not_found', message: 'No such host.' },
  hostNotFree: { kind: 'conflict', code: 'host_not_free', message: 'Only a free host can be retired.' },
  upgradeRunning: { kind: 'conflict', code: 'upgrade_running', message: 'Another fleet upgrade is running.' },
  upgradeNotFound: { kind: 'not_found', code: 'upgrade_not_found', message: 'No such fleet upgrade.' },
});
