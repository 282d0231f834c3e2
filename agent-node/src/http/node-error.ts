/** Every error code the node answers with: the one place each code string is written. */
export const NODE_ERROR = {
  badRequest: 'bad_request',
  invalidJson: 'invalid_json',
  validationFailed: 'validation_failed',
  unauthorized: 'unauthorized',
  badSignature: 'bad_signature',
  replayedRequest: 'replayed_request',
  forbidden: 'forbidden',
  linkInvalid: 'link_invalid',
  notFound: 'not_found',
  methodNotAllowed: 'method_not_allowed',
  staleConfig: 'stale_config',
  conflict: 'conflict',
  linkExpired: 'link_expired',
  nodeWiped: 'node_wiped',
  payloadTooLarge: 'payload_too_large',
  unsupportedMediaType: 'unsupported_media_type',
  rateLimited: 'rate_limited',
  internal: 'internal',
} as const;

export type NodeErrorCode = (typeof NODE_ERROR)[keyof typeof NODE_ERROR];

/** The HTTP status of each code (`internal` is the only 5xx: a bug, answered with a request id only). */
const HTTP_STATUS: Record<NodeErrorCode, number> = {
  [NODE_ERROR.badRequest]: 400,
  [NODE_ERROR.invalidJson]: 400,
  [NODE_ERROR.validationFailed]: 422,
  [NODE_ERROR.unauthorized]: 401,
  [NODE_ERROR.badSignature]: 401,
  [NODE_ERROR.replayedRequest]: 401,
  [NODE_ERROR.forbidden]: 403,
  [NODE_ERROR.linkInvalid]: 403,
  [NODE_ERROR.notFound]: 404,
  [NODE_ERROR.methodNotAllowed]: 405,
  [NODE_ERROR.staleConfig]: 409,
  [NODE_ERROR.conflict]: 409,
  [NODE_ERROR.linkExpired]: 410,
  [NODE_ERROR.nodeWiped]: 410,
  [NODE_ERROR.payloadTooLarge]: 413,
  [NODE_ERROR.unsupportedMediaType]: 415,
  [NODE_ERROR.rateLimited]: 429,
  [NODE_ERROR.internal]: 500,
};

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
    return HTTP_STATUS[this.code];
  }
}
