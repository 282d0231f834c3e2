import { defineErrors } from '@enclave/platform';

export const NODE_SESSION_ERRORS = defineErrors({
  /** No enrolled node with a public URL (or no signing key): nothing could accept a session yet. */
  nodeNotReady: {
    kind: 'conflict',
    code: 'node_not_ready',
    message: "The workspace's node is not running yet; the inbox opens once it is.",
  },
});
