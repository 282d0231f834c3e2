import { defineErrors } from '@enclave/platform';

/** The workspace's node as other modules see it. */
export const NODE_ERRORS = defineErrors({
  /** The node is not running or did not answer; whatever the request was, nothing was changed. */
  unavailable: {
    kind: 'unavailable',
    code: 'node_unavailable',
    message: 'The workspace node is not reachable; nothing was changed. Try again later.',
  },
});
