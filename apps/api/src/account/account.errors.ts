import { defineErrors } from '@enclave/platform';

/** The signed-in user's own account: profile, sign-in methods, sessions, exports, deletion. */
export const ACCOUNT_ERRORS = defineErrors({
  soleOwner: {
    kind: 'conflict',
    code: 'sole_owner',
    message:
      'You are the only owner of a workspace that still exists. Transfer its ownership or delete the workspace first.',
  },
  confirmationMismatch: {
    kind: 'invalid',
    code: 'confirmation_mismatch',
    message: 'Type your account email address to confirm the deletion.',
  },
  lastIdentity: {
    kind: 'conflict',
    code: 'last_identity',
    message: 'This is your only way to sign in; link another one before removing it.',
  },
  identityNotFound: {
    kind: 'not_found',
    code: 'identity_not_found',
    message: 'No such sign-in method on your account.',
  },
  sessionNotFound: { kind: 'not_found', code: 'session_not_found', message: 'No such active session.' },
  emailTaken: { kind: 'conflict', code: 'email_taken', message: 'Another account uses this email address.' },
  emailUnchanged: { kind: 'invalid', code: 'email_unchanged', message: 'This is already your email address.' },
  emailChangeInvalid: {
    kind: 'invalid',
    code: 'email_change_invalid',
    message: 'This confirmation link is invalid, already used or expired. Ask for a new one.',
  },
  emailChangeRateLimited: {
    kind: 'rate_limited',
    code: 'email_change_rate_limited',
    message: 'Too many email changes were requested; try again in 15 minutes.',
  },
  exportNotFound: { kind: 'not_found', code: 'account_export_not_found', message: 'No such export.' },
  exportNotReady: { kind: 'conflict', code: 'account_export_not_ready', message: 'This export is not ready yet.' },
  exportExpired: {
    kind: 'gone',
    code: 'account_export_expired',
    message: 'This export has expired; ask for a new one.',
  },
  exportRateLimited: {
    kind: 'rate_limited',
    code: 'account_export_rate_limited',
    message: 'An export is already being built or was made in the last hour; use that one.',
  },
  unsubscribeInvalid: {
    kind: 'not_found',
    code: 'unsubscribe_invalid',
    message: 'This unsubscribe link is not valid.',
  },
});
