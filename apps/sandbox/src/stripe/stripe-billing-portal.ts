import type { Request, Response, Router } from 'express';
import { escapeHtml } from '../helpers';
import type { ApiRoute } from './stripe-api';
import { cardFrom } from './stripe-cards';
import { StripeApiError } from './stripe-errors';
import { payInvoice } from './stripe-invoices';
import { formOrJsonBody, layout, messagePage, money, sendNotFound } from './stripe-pages';
import { allow, type Params, required, str, url } from './stripe-params';
import { now, type StripeObject, type StripeStore, stripeId, subscriptionItems } from './stripe-store';
import { cancelSubscription, updateSubscription } from './stripe-subscriptions';

/**
 * The customer portal (https://docs.stripe.com/api/customer_portal/sessions): a session's `url`
 * is a page where the customer cancels or renews subscriptions and pays open invoices.
 */

function createPortalSession(
  store: StripeStore,
  customer: string,
  returnUrl: string | null,
  locale: string | null,
): StripeObject {
  store.getCustomer(customer, 'customer');
  const id = stripeId('bps_');
  const session: StripeObject = {
    id,
    object: 'billing_portal.session',
    configuration: 'bpc_sandboxdefault',
    created: now(),
    customer,
    flow: null,
    livemode: false,
    locale,
    on_behalf_of: null,
    return_url: returnUrl,
    url: `${store.baseUrl()}/stripe/portal/${id}`,
  };
  store.portalSessions.set(id, session);
  return session;
}

export function billingPortalRoutes(route: ApiRoute, store: StripeStore): void {
  route('post', '/billing_portal/sessions', ({ params }) => {
    allow(params, ['customer', 'return_url', 'configuration', 'locale', 'flow_data', 'on_behalf_of']);
    const customer = required(params, 'customer');
    return createPortalSession(store, customer, url(params, 'return_url', false), str(params, 'locale') ?? null);
  });
}

const portalPath = (id: string) => `/stripe/portal/${id}`;

function subscriptionSection(sub: StripeObject, base: string): string {
  const item = subscriptionItems(sub)[0] as { price: StripeObject; current_period_end: number } | undefined;
  const action = (name: string, label: string) =>
    `<form method="post" action="${base}/subscriptions/${sub.id}/${name}"><button type="submit">${label}</button></form>`;
  const actions: string[] = [];
  if (sub.status !== 'canceled') {
    if (sub.cancel_at_period_end) actions.push(action('renew', 'Renew subscription'));
    else actions.push(action('cancel', 'Cancel subscription'));
    actions.push(action('cancel_now', 'Cancel immediately'));
  }
  const until = item ? new Date(item.current_period_end * 1000).toISOString().slice(0, 10) : '';
  return `<section data-subscription="${escapeHtml(sub.id)}"><h2>${escapeHtml(item?.price.product)} – ${item ? money(item.price.unit_amount, item.price.currency) : ''}</h2>
<p>Status: <strong>${escapeHtml(sub.status)}</strong>${sub.cancel_at_period_end ? ` (cancels on ${until})` : sub.status === 'canceled' ? '' : ` (renews on ${until})`}</p>${actions.join('')}</section>`;
}

function portalPage(store: StripeStore, portal: StripeObject, notice?: string): string {
  const customerId = String(portal.customer);
  const customer = store.customers.get(customerId) ?? { id: customerId, object: 'customer' };
  const base = portalPath(portal.id);
  const subs = [...store.subscriptions.values()]
    .filter((s) => s.customer === customerId)
    .map((s) => subscriptionSection(s, base))
    .join('');
  const invoices = [...store.invoices.values()]
    .filter((i) => i.customer === customerId && i.status === 'open')
    .map(
      (i) => `<li>Invoice ${escapeHtml(i.number)}: ${money(i.amount_due, i.currency)} due.
<form method="post" action="${base}/invoices/${i.id}/pay"><label>Card number <input name="card_number" value="4242 4242 4242 4242" required></label><button type="submit">Update card and pay</button></form></li>`,
    )
    .join('');
  return layout(
    'Billing',
    `<h1>Billing for ${escapeHtml(customer.email ?? customer.id)}</h1>
${notice ? `<p role="status">${escapeHtml(notice)}</p>` : ''}
${subs || '<p>No subscriptions.</p>'}
${invoices ? `<h2>Unpaid invoices</h2><ul>${invoices}</ul>` : ''}
${portal.return_url ? `<p><a href="${escapeHtml(portal.return_url)}">← Return</a></p>` : ''}`,
  );
}

/** What the portal's buttons do to a subscription, and the notice shown afterwards. */
const SUBSCRIPTION_ACTIONS = new Map<string, (store: StripeStore, subId: string) => string>([
  [
    'cancel',
    (store, subId) => {
      updateSubscription(store, subId, { cancelAtPeriodEnd: true }, null);
      return 'Your subscription will be canceled at the end of the period.';
    },
  ],
  [
    'renew',
    (store, subId) => {
      updateSubscription(store, subId, { cancelAtPeriodEnd: false }, null);
      return 'Your subscription was renewed.';
    },
  ],
  [
    'cancel_now',
    (store, subId) => {
      cancelSubscription(store, subId, null);
      return 'Your subscription was canceled.';
    },
  ],
]);

export function billingPortalPageRoutes(router: Router, store: StripeStore): void {
  const portalFor = (req: Request, res: Response): StripeObject | undefined => {
    const portal = store.portalSessions.get(String(req.params.id));
    if (!portal)
      res.status(404).type('html').send(messagePage('Link expired', 'This billing portal link is no longer valid.'));
    return portal;
  };
  const redirectWithNotice = (res: Response, portal: StripeObject, notice: string) =>
    res.redirect(303, `${portalPath(portal.id)}?notice=${encodeURIComponent(notice)}`);
  /** The portal again, with what went wrong as its notice. */
  const showError = (res: Response, portal: StripeObject, status: number, error: unknown) =>
    void res
      .status(status)
      .type('html')
      .send(portalPage(store, portal, (error as Error).message));

  router.get('/portal/:id', (req, res) => {
    const portal = portalFor(req, res);
    if (portal)
      res
        .type('html')
        .send(portalPage(store, portal, typeof req.query.notice === 'string' ? req.query.notice : undefined));
  });
  router.post('/portal/:id/subscriptions/:sub/:action', ...formOrJsonBody, (req: Request, res: Response) => {
    const portal = portalFor(req, res);
    if (!portal) return;
    const sub = store.subscriptions.get(String(req.params.sub));
    if (!sub || sub.customer !== portal.customer) return sendNotFound(res, 'No such subscription.');
    const action = SUBSCRIPTION_ACTIONS.get(String(req.params.action));
    if (!action) return sendNotFound(res, 'Unknown action.');
    let notice: string;
    try {
      notice = action(store, sub.id);
    } catch (error) {
      return showError(res, portal, 400, error);
    }
    redirectWithNotice(res, portal, notice);
  });
  router.post('/portal/:id/invoices/:invoice/pay', ...formOrJsonBody, (req: Request, res: Response) => {
    const portal = portalFor(req, res);
    if (!portal) return;
    const invoice = store.invoices.get(String(req.params.invoice));
    if (!invoice || invoice.customer !== portal.customer) return sendNotFound(res, 'No such invoice.');
    try {
      payInvoice(store, invoice.id, cardFrom((req.body ?? {}) as Params), null);
    } catch (error) {
      return showError(res, portal, error instanceof StripeApiError && error.status === 402 ? 402 : 400, error);
    }
    redirectWithNotice(res, portal, 'Payment successful.');
  });
}
