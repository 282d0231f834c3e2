import { defineErrors } from '@enclave/platform';

/** Secret records and the provider checks run before a credential is stored. */
export const SECRET_ERRORS = defineErrors({
  invalidKind: {
    kind: 'invalid',
    code: 'invalid_secret_kind',
    message: 'Secret kind must be a model provider key (channel credentials are set on their channel).',
  },
  notFound: { kind: 'not_found', code: 'secret_not_found', message: 'No such secret.' },
  /** Not shaped as the provider issues it (checked before the provider is asked); the message says what is. */
  credentialMalformed: {
    kind: 'invalid',
    code: 'credential_malformed',
    message: 'This is not a credential the provider issues.',
  },
  /** The provider answered and refused the credential; the message says what it answered. */
  credentialRefused: { kind: 'invalid', code: 'credential_refused', message: 'The provider refused this credential.' },
  providerUnreachable: {
    kind: 'unavailable',
    code: 'provider_unreachable',
    message: 'Could not reach the provider to validate the credential; nothing was stored. Try again.',
  },
});
