/** Error codes the node answers with; each maps to one HTTP status. */
export const NODE_ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 422,
  unauthorized: 401,
  bad_signature: 401,
  replayed_request: 401,
  forbidden: 403,
  link_invalid: 403,
  not_found: 404,
  method_not_allowed: 405,
  stale_config: 409,
  link_expired: 410,
  node_wiped: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  channel_not_ready: 409,
  internal: 500,
} as const;

export type NodeErrorCode = keyof typeof NODE_ERROR_STATUS;

/** A typed domain error; the HTTP layer turns it into `{error:{code,message,details}}`. */
export class NodeError extends Error {
  constructor(
    readonly code: NodeErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'NodeError';
  }
  get status(): number {
    return NODE_ERROR_STATUS[this.code];
  }
}
