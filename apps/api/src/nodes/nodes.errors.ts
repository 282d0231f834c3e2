import { defineErrors } from '@enclave/platform';

/** The workspace's node: its signed callbacks (enrolment, heartbeats), and reaching it from other modules. */
export const NODE_ERRORS = defineErrors({
  /** The node is not running or did not answer; whatever the request was, nothing was changed. */
  unavailable: {
    kind: 'unavailable',
    code: 'node_unavailable',
    message: 'The workspace node is not reachable; nothing was changed. Try again later.',
  },
  badSignature: { kind: 'unauthenticated', code: 'bad_signature', message: 'The request signature was refused.' },
  replayedRequest: {
    kind: 'unauthenticated',
    code: 'replayed_request',
    message: 'The request signature was refused.',
  },
  enrolmentRefused: { kind: 'unauthenticated', code: 'enrolment_refused', message: 'Enrolment refused.' },
  badPublicKey: { kind: 'invalid', code: 'bad_public_key', message: 'publicKey must be an Ed25519 SPKI PEM key.' },
  unknownNode: { kind: 'unauthenticated', code: 'unknown_node', message: 'Unknown node.' },
  deprovisioned: { kind: 'gone', code: 'node_deprovisioned', message: 'This node was deprovisioned.' },
});
