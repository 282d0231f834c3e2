import type { ApiRoute } from './stripe-api';
import { missingParam, noSuch } from './stripe-errors';
import { allow, LIST_PARAMS, listOf, listResponse, metadata, str, url } from './stripe-params';
import { STRIPE_API_VERSION, type StripeObject, type StripeStore } from './stripe-store';
import type { WebhookEndpoint } from './stripe-webhooks';

/**
 * Events (https://docs.stripe.com/api/events) and webhook endpoints
 * (https://docs.stripe.com/api/webhook_endpoints); delivery itself is in stripe-webhooks.ts.
 */

/** The endpoint as the API shows it; only its creation answer also carries the secret. */
export function endpointJson(endpoint: WebhookEndpoint): StripeObject {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint',
    api_version: STRIPE_API_VERSION,
    application: null,
    created: endpoint.created,
    description: endpoint.description,
    enabled_events: endpoint.enabledEvents,
    livemode: false,
    metadata: endpoint.metadata,
    status: endpoint.status,
    url: endpoint.url,
  };
}

export function eventRoutes(route: ApiRoute, store: StripeStore): void {
  route('get', '/events/:id', ({ req }) => store.getEvent(String(req.params.id)));
  route('get', '/events', ({ params }) => {
    allow(params, ['type', 'types', 'delivery_success', ...LIST_PARAMS]);
    const type = str(params, 'type');
    const matches = (t: string) => !type || (type.endsWith('*') ? t.startsWith(type.slice(0, -1)) : t === type);
    return listResponse(
      store.events.filter((e) => matches(String(e.type))),
      params,
      '/v1/events',
    );
  });
  route('post', '/webhook_endpoints', ({ params }) => {
    allow(params, ['url', 'enabled_events', 'description', 'metadata', 'api_version', 'connect']);
    const endpointUrl = url(params, 'url', true) as string;
    if (params.enabled_events === undefined) throw missingParam('enabled_events');
    const endpoint = store.addEndpoint(
      endpointUrl,
      listOf(params.enabled_events).map(String),
      undefined,
      str(params, 'description') ?? null,
      metadata(params) ?? {},
    );
    return { ...endpointJson(endpoint), secret: endpoint.secret };
  });
  route('get', '/webhook_endpoints', ({ params }) =>
    listResponse([...store.endpoints.values()].map(endpointJson), params, '/v1/webhook_endpoints'),
  );
  route('delete', '/webhook_endpoints/:id', ({ req }) => {
    const id = String(req.params.id);
    if (!store.endpoints.delete(id)) throw noSuch('webhook endpoint', id);
    return { id, object: 'webhook_endpoint', deleted: true };
  });
}
