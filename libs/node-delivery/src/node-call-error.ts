/**
 * Why a control plane → node call failed. `code` is what callers branch on: the node's own
 * error code (e.g. `stale_config`, with its `details`), or `unreachable`, `timeout`,
 * `bad_response`, `not_configured`. The message is for logs and provisioning runs; it never
 * carries the request body, which may hold a secret.
 */
export class NodeCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    /** The node's error details (e.g. the config revision it holds). */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'NodeCallError';
  }
}
