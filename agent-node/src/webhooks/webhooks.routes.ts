import type { WebhookEndpointView } from '@enclave/node-protocol';
import * as z from 'zod/mini';
import { validate, type RequestContext } from '../http/http-server';
import { NODE_ERROR, NodeError } from '../http/node-error';
import type { SessionRoute } from '../sessions/node-session-auth';
import type { SecretRepository } from '../storage/secret.repository';
import type { DeliveryRepository } from './delivery.repository';
import type { WebhookRepository } from './webhook.repository';

const ENDPOINTS = '/v1/webhooks/endpoints';
const DELIVERY = '/v1/webhooks/deliveries/:id';
const PAGE = 50;

const endpointId = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'an endpoint id'));
const deliveryId = z.string().check(z.regex(/^msg_[A-Za-z0-9_-]{10,40}$/, 'a delivery id (msg_…)'));
const before = z.optional(z.string().check(z.regex(/^[1-9][0-9]{0,15}$/, 'a cursor from a previous page')));

export interface WebhookRouteDeps {
  readonly endpoints: WebhookRepository;
  readonly deliveries: DeliveryRepository;
  readonly secrets: SecretRepository;
  readonly now: () => number;
  /** Wakes the sender after a replay. */
  readonly kick: () => void;
}

/**
 * The delivery log, served to the dashboard over node sessions (members read it, admins
 * replay): the control plane configures endpoints but never sees a delivery.
 */
export function webhookRoutes(deps: WebhookRouteDeps): SessionRoute[] {
  const { endpoints, deliveries, secrets } = deps;
  const view = (id: string): WebhookEndpointView => {
    const e = endpoints.endpoint(id);
    if (!e) throw new NodeError(NODE_ERROR.notFound, 'no such webhook endpoint');
    return {
      id: e.id,
      url: e.url,
      events: e.events,
      enabled: e.enabled,
      disabledByNode:
        e.nodeDisabledAt === null
          ? null
          : { at: new Date(e.nodeDisabledAt).toISOString(), reason: e.nodeDisabledReason ?? '' },
      signingSecret: secrets.resolve('webhook_signing_secret', e.id) !== undefined,
      counts: deliveries.counts(e.id),
    };
  };
  const delivery = (ctx: RequestContext) => {
    const found = deliveries.get(validate(deliveryId, ctx.params.id, 'not a delivery id'));
    if (!found) throw new NodeError(NODE_ERROR.notFound, 'no such delivery');
    return found;
  };
  return [
    {
      session: 'member',
      method: 'GET',
      path: ENDPOINTS,
      handler: () => ({ status: 200, json: { endpoints: endpoints.endpoints().map((e) => view(e.id)) } }),
    },
    {
      session: 'member',
      method: 'GET',
      path: `${ENDPOINTS}/:id/deliveries`,
      handler: (ctx) => {
        const id = validate(endpointId, ctx.params.id, 'not an endpoint id');
        const endpoint = view(id);
        const cursor = validate(before, ctx.url.searchParams.get('before') ?? undefined, 'bad cursor');
        const page = deliveries.log(id, PAGE, cursor === undefined ? undefined : Number(cursor));
        return { status: 200, json: { endpoint, ...page } };
      },
    },
    {
      session: 'member',
      method: 'GET',
      path: DELIVERY,
      handler: (ctx) => {
        const { hasBody: _hasBody, ...found } = delivery(ctx);
        return { status: 200, json: { delivery: found, attempts: deliveries.attempts(found.id) } };
      },
    },
    {
      session: 'admin',
      method: 'POST',
      path: `${DELIVERY}/replay`,
      handler: (ctx) => {
        const found = delivery(ctx);
        if (!found.hasBody)
          throw new NodeError(NODE_ERROR.conflict, 'the content of this delivery was erased; it cannot be sent again');
        if (!endpoints.endpoint(found.endpointId))
          throw new NodeError(NODE_ERROR.conflict, 'the endpoint of this delivery was removed');
        if (found.status !== 'pending' && !deliveries.replay(found.id, deps.now()))
          throw new NodeError(NODE_ERROR.conflict, 'the delivery could not be queued again');
        deps.kick();
        const { hasBody: _h, ...fresh } = deliveries.get(found.id) ?? found;
        return { status: 202, json: { delivery: fresh } };
      },
    },
  ];
}
