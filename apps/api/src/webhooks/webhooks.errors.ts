import { defineErrors } from '@enclave/platform';

export const WEBHOOK_ERRORS = defineErrors({
  notFound: { kind: 'not_found', code: 'webhook_endpoint_not_found', message: 'No such webhook endpoint.' },
  limit: { kind: 'conflict', code: 'webhook_endpoint_limit', message: 'A workspace has at most 20 webhook endpoints.' },
  urlRefused: {
    kind: 'invalid',
    code: 'webhook_url_refused',
    message: 'Webhook URLs must be https and must not name a private, loopback or link-local address.',
  },
  transcriptsNotConfigured: {
    kind: 'conflict',
    code: 'transcripts_not_configured',
    message: 'Transcripts need a mail provider credential first.',
  },
});
