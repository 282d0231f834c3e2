import { defineErrors } from '@enclave/platform';

/** Sign-in and sessions; `unauthenticated` is what every route without a session answers. */
export const AUTH_ERRORS = defineErrors({
  unauthenticated: { kind: 'unauthenticated', code: 'unauthenticated', message: 'Sign in first.' },
  providerDisabled: { kind: 'not_found', code: 'provider_disabled', message: 'This sign-in provider is not enabled.' },
  emailNotVerified: {
    kind: 'forbidden',
    code: 'email_not_verified',
    message: 'Your account has no verified email address.',
  },
  magicLinkRateLimited: {
    kind: 'rate_limited',
    code: 'magic_link_rate_limited',
    message: 'Too many sign-in links were requested for this address; try again in 15 minutes.',
  },
  magicLinkInvalid: {
    kind: 'invalid',
    code: 'magic_link_invalid',
    message: 'This sign-in link is invalid, already used or expired. Ask for a new one.',
  },
});
