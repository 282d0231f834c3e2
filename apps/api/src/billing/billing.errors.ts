import { defineErrors } from '@enclave/platform';

/** Checkout, portal, Stripe calls and Stripe webhooks. */
export const BILLING_ERRORS = defineErrors({
  disabled: { kind: 'unavailable', code: 'billing_disabled', message: 'Billing is not configured on this deployment.' },
  planUnknown: { kind: 'invalid', code: 'plan_unknown', message: 'No such plan.' },
  workspaceDeprovisioning: {
    kind: 'conflict',
    code: 'workspace_deprovisioning',
    message: 'This workspace is being deprovisioned; subscribe again once that has finished.',
  },
  alreadySubscribed: {
    kind: 'conflict',
    code: 'already_subscribed',
    message: 'This workspace already has a subscription; manage it from the billing portal.',
  },
  noBillingAccount: {
    kind: 'conflict',
    code: 'no_billing_account',
    message: 'This workspace has no billing account yet; start a checkout first.',
  },
  stripeUnavailable: {
    kind: 'unavailable',
    code: 'stripe_unavailable',
    message: 'Stripe did not accept the request; try again shortly.',
  },
  stripeResourceMissing: {
    kind: 'not_found',
    code: 'stripe_resource_missing',
    message: 'Stripe does not know this object.',
  },
  webhookBodyMissing: {
    kind: 'invalid',
    code: 'webhook_body_missing',
    message: 'The webhook body is missing or not JSON.',
  },
  webhookBodyInvalid: {
    kind: 'invalid',
    code: 'webhook_body_invalid',
    message: 'The webhook body is not a JSON event.',
  },
  webhookSignatureInvalid: {
    kind: 'invalid',
    code: 'webhook_signature_invalid',
    message: 'The Stripe-Signature header does not match the body, or its timestamp is outside the tolerance.',
  },
});
