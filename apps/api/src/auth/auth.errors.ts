import { defineErrors } from '@enclave/platform';

/**
 * Sign-in and sessions; `unauthenticated` is what every route without a session answers.
 * `crossSiteRequest` and `jsonRequired` are CrossSiteGuard's answers to state-changing requests.
 */
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
  crossSiteRequest: {
    kind: 'forbidden',
    code: 'cross_site_request',
    message: 'This request came from another site and was refused.',
  },
  jsonRequired: {
    kind: 'unsupported_media_type',
    code: 'unsupported_media_type',
    message: 'Send the request body as application/json.',
  },
  identityInUse: {
    kind: 'conflict',
    code: 'identity_in_use',
    message: 'This sign-in account is already linked to another Enclave account.',
  },
  stateMismatch: {
    kind: 'unauthenticated',
    code: 'unauthenticated',
    message: 'The sign-in did not complete; start again.',
  },
  magicLinkInvalid: {
    kind: 'invalid',
    code: 'magic_link_invalid',
    message: 'This sign-in link is invalid, already used or expired. Ask for a new one.',
  },
});
