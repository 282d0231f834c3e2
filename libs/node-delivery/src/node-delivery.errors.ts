import { defineErrors } from '@enclave/platform';

export const NODE_DELIVERY_ERRORS = defineErrors({
  secretsNotConfigured: {
    kind: 'unavailable',
    code: 'secrets_not_configured',
    message: 'Secret handling is not configured on this server (SECRET_PEPPER, SECRET_ENCRYPTION_KEY).',
  },
});
