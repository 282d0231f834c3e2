import {
  applyConfigRequestSchema,
  isCleanText,
  NODE_ROUTES,
  parsePublicKey,
  putSecretRequestSchema,
  secretKindSchema,
  secretScopeSchema,
  setTrustedKeysRequestSchema,
  wipeRequestSchema,
  type SecretKind,
  type WipeReceipt,
} from '@enclave/node-protocol';
import * as z from 'zod/mini';
import type { NodeContext } from '../capability';
import { parseJsonBody, type RequestContext } from '../http/http-server';
import { NODE_ERROR, NodeError } from '../http/node-error';
import type { ControlService } from './control.service';
import type { SignedRoute } from './control-plane-auth';
import type { TrustedKeys } from './trusted-keys';

export interface ControlRouteDeps {
  readonly control: ControlService;
  readonly trustedKeys: TrustedKeys;
  readonly node: NodeContext['node'];
  readonly nodeId: string;
}

/**
 * A secret's value ends up in HTTP headers and provider requests: NUL, other control characters
 * (line breaks aside, for multi-line credentials) or broken UTF-16 are never a real key.
 */
const putSecretSchema = putSecretRequestSchema.check(
  z.refine((b) => isCleanText(b.value, { multiline: true }), {
    message: 'must be well-formed Unicode without control characters',
    path: ['value'],
  }),
);

function kindParam(ctx: RequestContext): SecretKind {
  const r = secretKindSchema.safeParse(ctx.params.kind);
  if (!r.success)
    throw new NodeError(NODE_ERROR.notFound, 'unknown secret kind', { allowed: secretKindSchema.options });
  return r.data;
}

/** The control plane's calls that change the node as a whole: config, secrets, state, keys, wipe. */
export function controlRoutes({ control, trustedKeys, node, nodeId }: ControlRouteDeps): SignedRoute[] {
  return [
    {
      signed: true,
      ...NODE_ROUTES.applyConfig,
      handler: async (ctx) => ({
        status: 200,
        json: await control.applyConfig(parseJsonBody(ctx, applyConfigRequestSchema)),
      }),
    },
    {
      signed: true,
      ...NODE_ROUTES.putSecret,
      handler: async (ctx) => {
        const kind = kindParam(ctx);
        const body = parseJsonBody(ctx, putSecretSchema);
        await control.putSecret(kind, body.scope, body.value);
        return { status: 200, json: { kind, scope: body.scope, storedAt: new Date().toISOString() } };
      },
    },
    {
      signed: true,
      ...NODE_ROUTES.deleteSecret,
      handler: (ctx) => {
        const kind = kindParam(ctx);
        const scope = secretScopeSchema.safeParse(ctx.url.searchParams.get('scope') ?? 'default');
        if (!scope.success) throw new NodeError(NODE_ERROR.validationFailed, 'invalid scope');
        const deleted = control.deleteSecret(kind, scope.data);
        return { status: 200, json: { kind, scope: scope.data, deleted } };
      },
    },
    {
      signed: true,
      ...NODE_ROUTES.suspend,
      handler: () => {
        control.suspend();
        return { status: 200, json: { state: node.state() } };
      },
    },
    {
      signed: true,
      ...NODE_ROUTES.resume,
      handler: () => {
        control.resume();
        return { status: 200, json: { state: node.state() } };
      },
    },
    {
      signed: true,
      ...NODE_ROUTES.setTrustedKeys,
      handler: (ctx, signer) => {
        const body = parseJsonBody(ctx, setTrustedKeysRequestSchema);
        const keys = body.publicKeys.map((pem, i) => {
          try {
            return parsePublicKey(pem);
          } catch {
            throw new NodeError(NODE_ERROR.validationFailed, 'publicKeys must be Ed25519 public keys (SPKI PEM)', {
              path: `publicKeys.${i}`,
            });
          }
        });
        return { status: 200, json: trustedKeys.replace(keys, signer) };
      },
    },
    wipeRoute(nodeId, () => node.wipe()),
  ];
}

/**
 * The signed wipe, confirmed with the node's id. A wiped node serves it too and answers with the
 * receipt it kept, so that a deprovisioning run that lost the first answer (worker killed, job
 * run again) still gets the node's own receipt instead of a refusal.
 */
export function wipeRoute(nodeId: string, wipe: () => Promise<WipeReceipt>): SignedRoute {
  return {
    signed: true,
    ...NODE_ROUTES.wipe,
    handler: async (ctx) => {
      const body = parseJsonBody(ctx, wipeRequestSchema);
      if (body.confirmNodeId !== nodeId)
        throw new NodeError(NODE_ERROR.validationFailed, 'confirmNodeId does not match this node', {
          field: 'confirmNodeId',
        });
      return { status: 200, json: await wipe() };
    },
  };
}
