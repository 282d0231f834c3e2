import { type Request, Router } from 'express';
import { cardFrom } from './stripe-cards';
import { completeSession, expireSession } from './stripe-checkout';
import { invalidRequest, missingParam, noSuch, StripeApiError } from './stripe-errors';
import { endpointJson } from './stripe-events';
import { failInvoice, payInvoice } from './stripe-invoices';
import { formOrJsonBody } from './stripe-pages';
import { type Params, url } from './stripe-params';
import { completeSessionWithSepaDebit, sepaDebitFrom, settleSessionPayment } from './stripe-sepa';
import type { Metadata, StripeStore } from './stripe-store';
import { cancelSubscription, renewSubscription, updateSubscription } from './stripe-subscriptions';
import type { WebhookDeliverer } from './stripe-webhooks';

/**
 * Sandbox-only controls under /stripe/_test (no auth, JSON or form bodies): what a customer
 * or Stripe's billing engine would do, and a look at the event and delivery logs.
 */
export function testControls(store: StripeStore, deliverer: WebhookDeliverer): Router {
  const test = Router();
  test.use(...formOrJsonBody);
  const testRoute = (path: string, handler: (req: Request) => unknown) => {
    test.post(path, (req, res) => {
      try {
        res.json(handler(req));
      } catch (error) {
        if (error instanceof StripeApiError) {
          res.status(error.status).json({ error: error.body });
          return;
        }
        res.status(400).json({ error: { type: 'invalid_request_error', message: (error as Error).message } });
      }
    });
  };
  const body = (req: Request) => (req.body ?? {}) as Params;
  const testBool = (value: unknown) => value === true || value === 'true';
  const id = (req: Request) => String(req.params.id);

  // A card payment by default; `{"payment_method": "sepa_debit", "iban": …}` starts a SEPA debit
  // that `/settle` later settles (stripe-sepa.ts).
  testRoute('/checkout/sessions/:id/complete', (req) =>
    body(req).payment_method === 'sepa_debit'
      ? completeSessionWithSepaDebit(store, id(req), sepaDebitFrom(body(req)), null)
      : completeSession(store, id(req), cardFrom(body(req)), null),
  );
  testRoute('/checkout/sessions/:id/settle', (req) => settleSessionPayment(store, id(req), null));
  testRoute('/checkout/sessions/:id/expire', (req) => expireSession(store, id(req), null));
  testRoute('/subscriptions/:id/renew', (req) =>
    renewSubscription(store, id(req), body(req).outcome === 'failed' ? 'failed' : 'paid', null),
  );
  testRoute('/subscriptions/:id/fail_next_invoice', (req) => renewSubscription(store, id(req), 'failed', null));
  testRoute('/subscriptions/:id/cancel', (req) =>
    testBool(body(req).at_period_end)
      ? updateSubscription(store, id(req), { cancelAtPeriodEnd: true }, null)
      : cancelSubscription(store, id(req), null),
  );
  testRoute('/subscriptions/:id/update', (req) => {
    const b = body(req);
    const md = b.metadata;
    if (
      md !== undefined &&
      (typeof md !== 'object' || md === null || Object.values(md).some((v) => typeof v !== 'string'))
    )
      throw invalidRequest('metadata must map strings to strings', 'metadata');
    return updateSubscription(
      store,
      id(req),
      {
        status: typeof b.status === 'string' ? b.status : undefined,
        cancelAtPeriodEnd: b.cancel_at_period_end === undefined ? undefined : testBool(b.cancel_at_period_end),
        metadata: md as Metadata | undefined,
      },
      null,
    );
  });
  testRoute('/invoices/:id/pay', (req) =>
    payInvoice(store, id(req), body(req).card_number || body(req).card ? cardFrom(body(req)) : null, null),
  );
  testRoute('/invoices/:id/fail', (req) => {
    const invoice = store.getInvoice(id(req));
    if (invoice.status !== 'open') throw invalidRequest('Only open invoices can fail a payment attempt.');
    return failInvoice(store, invoice.id, null);
  });
  testRoute('/events/:id/resend', (req) => {
    const event = store.getEvent(id(req));
    const endpointId = body(req).endpoint_id;
    const targets = [...store.endpoints.values()].filter((e) =>
      typeof endpointId === 'string' ? e.id === endpointId : true,
    );
    if (!targets.length) throw invalidRequest('No webhook endpoint to deliver to.', 'endpoint_id');
    for (const endpoint of targets) store.send(event, endpoint);
    return event;
  });
  testRoute('/webhook_endpoints', (req) => {
    const b = body(req);
    if (typeof b.url !== 'string') throw missingParam('url');
    url(b, 'url', true);
    const secret = typeof b.secret === 'string' && b.secret ? b.secret : undefined;
    if (secret && !secret.startsWith('whsec_')) throw invalidRequest('Webhook secrets start with whsec_', 'secret');
    const events = Array.isArray(b.enabled_events) ? b.enabled_events.map(String) : ['*'];
    const endpoint = store.addEndpoint(b.url, events, secret);
    return { ...endpointJson(endpoint), secret: endpoint.secret };
  });
  test.get('/webhook_endpoints', (_req, res) => {
    res.json([...store.endpoints.values()].map((e) => ({ ...endpointJson(e), secret: e.secret })));
  });
  test.delete('/webhook_endpoints/:id', (req, res) => {
    if (!store.endpoints.delete(req.params.id)) {
      res.status(404).json({ error: noSuch('webhook endpoint', req.params.id).body });
      return;
    }
    res.json({ id: req.params.id, deleted: true });
  });
  test.get('/events', (req, res) => {
    const type = typeof req.query.type === 'string' ? req.query.type : undefined;
    res.json(store.events.filter((e) => !type || e.type === type));
  });
  test.get('/deliveries', (req, res) => {
    const eventId = typeof req.query.event_id === 'string' ? req.query.event_id : undefined;
    const type = typeof req.query.type === 'string' ? req.query.type : undefined;
    res.json(deliverer.log.filter((d) => (!eventId || d.event_id === eventId) && (!type || d.event_type === type)));
  });
  test.get('/idle', (_req, res) => {
    void deliverer.idle().then(() => res.json({ idle: true }));
  });
  test.use((_req, res) => {
    res.status(404).json({ error: { type: 'invalid_request_error', message: 'Unknown test endpoint' } });
  });
  return test;
}
