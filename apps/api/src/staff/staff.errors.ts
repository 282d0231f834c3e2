import { defineErrors } from '@enclave/platform';

export const STAFF_ERRORS = defineErrors({
  staffOnly: { kind: 'forbidden', code: 'staff_only', message: 'This is for Enclave staff only.' },
});
