import { sign, verify, type KeyObject } from 'node:crypto';
import * as z from 'zod/mini';
import { parsePublicKey } from './signing';

/**
 * Node sessions: how a dashboard user's browser talks to the workspace's node directly.
 *
 * The control plane signs a short-lived token with its node-protocol key (the key every node
 * already trusts); the browser sends it as `Authorization: Bearer <token>` to
 * `https://<slug>.<zone>`; the node verifies it offline. The token is a standard compact JWS
 * (JWT, `alg: EdDSA`), so any JWT tool can read it, but it carries no content — who, which
 * workspace, which role, until when — and is never stored by either side.
 *
 * `typ` separates it from every other thing the key signs: node-protocol requests sign a
 * newline-joined canonical string that can never parse as a JWS header.
 */
export const NODE_SESSION_TYPE = 'enclave-node-session+jwt';
/** The longest life a node accepts; the web app renews well before. */
export const NODE_SESSION_MAX_SECONDS = 15 * 60;
/** Clock skew tolerated between control plane and node, either way. */
const CLOCK_SKEW_SECONDS = 30;

/** Roles as the control plane names them; the node enforces what each may do. */
export const nodeSessionRoleSchema = z.enum(['member', 'admin', 'owner']);
export type NodeSessionRole = z.infer<typeof nodeSessionRoleSchema>;

const headerSchema = z.object({ alg: z.literal('EdDSA'), typ: z.literal(NODE_SESSION_TYPE) });

export const nodeSessionClaimsSchema = z.object({
  /** The user's id in the control plane (no name or email: the node needs none). */
  sub: z.string().check(z.minLength(1), z.maxLength(64)),
  /** Workspace id (the node's own; named for audit and for the browser). */
  ws: z.string().check(z.minLength(1), z.maxLength(64)),
  /** The node the session is for: a node accepts only tokens naming its own id. */
  aud: z.string().check(z.minLength(1), z.maxLength(64)),
  role: nodeSessionRoleSchema,
  iat: z.int(),
  exp: z.int(),
});
export type NodeSessionClaims = z.infer<typeof nodeSessionClaimsSchema>;

export interface IssueNodeSessionInput {
  readonly userId: string;
  readonly workspaceId: string;
  readonly nodeId: string;
  readonly role: NodeSessionRole;
  readonly privateKey: KeyObject;
  readonly ttlSeconds?: number;
  readonly now?: Date;
}

export interface IssuedNodeSession {
  readonly token: string;
  readonly expiresAt: Date;
}

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

export function issueNodeSession(input: IssueNodeSessionInput): IssuedNodeSession {
  const ttl = Math.min(input.ttlSeconds ?? NODE_SESSION_MAX_SECONDS, NODE_SESSION_MAX_SECONDS);
  const iat = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const claims: NodeSessionClaims = {
    sub: input.userId,
    ws: input.workspaceId,
    aud: input.nodeId,
    role: input.role,
    iat,
    exp: iat + ttl,
  };
  const signingInput = `${encode({ alg: 'EdDSA', typ: NODE_SESSION_TYPE })}.${encode(claims)}`;
  const signature = sign(null, Buffer.from(signingInput, 'ascii'), input.privateKey).toString('base64url');
  return { token: `${signingInput}.${signature}`, expiresAt: new Date(claims.exp * 1000) };
}

export type NodeSessionFailure =
  'malformed' | 'bad_signature' | 'expired' | 'not_yet_valid' | 'too_long' | 'other_node';

export type NodeSessionResult =
  | { readonly ok: true; readonly claims: NodeSessionClaims }
  | { readonly ok: false; readonly reason: NodeSessionFailure };

export interface VerifyNodeSessionInput {
  readonly token: string;
  /** Every control-plane key the node trusts (two during a key rotation). */
  readonly publicKeys: readonly (string | KeyObject)[];
  /** The verifying node's id; a token for any other node (another workspace's) is refused. */
  readonly nodeId: string;
  readonly now?: Date;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{10,200}\.[A-Za-z0-9_-]{10,600}\.[A-Za-z0-9_-]{80,90}$/;

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Verifies signature first, then the claims; never throws on bad input. */
export function verifyNodeSession(input: VerifyNodeSessionInput): NodeSessionResult {
  if (!TOKEN_SHAPE.test(input.token)) return { ok: false, reason: 'malformed' };
  const [headerPart, claimsPart, signaturePart] = input.token.split('.');
  if (!headerSchema.safeParse(decodeJson(headerPart)).success) return { ok: false, reason: 'malformed' };
  const signingInput = Buffer.from(`${headerPart}.${claimsPart}`, 'ascii');
  const signature = Buffer.from(signaturePart, 'base64url');
  const signed = input.publicKeys.some((key) => {
    try {
      return verify(null, signingInput, parsePublicKey(key), signature);
    } catch {
      return false;
    }
  });
  if (!signed) return { ok: false, reason: 'bad_signature' };
  const parsed = nodeSessionClaimsSchema.safeParse(decodeJson(claimsPart));
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const claims = parsed.data;
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (claims.exp - claims.iat > NODE_SESSION_MAX_SECONDS) return { ok: false, reason: 'too_long' };
  if (claims.iat > now + CLOCK_SKEW_SECONDS) return { ok: false, reason: 'not_yet_valid' };
  if (claims.exp <= now - CLOCK_SKEW_SECONDS) return { ok: false, reason: 'expired' };
  if (claims.aud !== input.nodeId) return { ok: false, reason: 'other_node' };
  return { ok: true, claims };
}
