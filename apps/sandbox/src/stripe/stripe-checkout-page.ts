import type { Request, Response, Router } from 'express';
import { escapeHtml } from '../helpers';
import { cardFrom } from './stripe-cards';
import { completeSession, getSession, sessionLineItems } from './stripe-checkout';
import { StripeApiError } from './stripe-errors';
import { formOrJsonBody, layout, messagePage, money } from './stripe-pages';
import { isEmail, type Params } from './stripe-params';
import type { StripeObject, StripeStore } from './stripe-store';

/**
 * The hosted Checkout page (a session's `url`): email, card, expiry and CVC, checked as
 * Stripe's form does; paying completes the session and redirects to its `success_url`.
 */

function checkoutPage(store: StripeStore, session: StripeObject, error?: string, typedEmail?: string): string {
  const rows = (sessionLineItems(store, session.id).data as Array<Record<string, unknown>>)
    .map((li) => {
      const price = li.price as StripeObject;
      const interval = (price.recurring as { interval?: string } | null)?.interval;
      return `<tr><td>${escapeHtml(li.description ?? price.product)} × ${Number(li.quantity)}</td><td style="text-align:right">${money(li.amount_total, li.currency)}${interval ? ` / ${escapeHtml(interval)}` : ''}</td></tr>`;
    })
    .join('');
  const knownEmail = (session.customer_details as { email?: string } | null)?.email ?? null;
  const email = knownEmail ?? typedEmail ?? null;
  const cancel = session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}">← Back</a></p>` : '';
  return layout(
    'Checkout',
    `${cancel}<h1>${session.mode === 'subscription' ? 'Subscribe' : 'Pay'}</h1>
<table>${rows}<tr><td><strong>Total due today</strong></td><td style="text-align:right"><strong>${money(session.amount_total, session.currency)}</strong></td></tr></table>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(`/stripe/pay/${session.id}`)}">
<label>Email <input type="email" name="email" autocomplete="email" value="${escapeHtml(email ?? '')}" ${knownEmail ? 'readonly' : 'required'}></label>
<label>Card number <input name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" value="4242 4242 4242 4242" required></label>
<label>Expiry (MM / YY) <input name="card_expiry" autocomplete="cc-exp" placeholder="12 / 34" value="12 / 34" required></label>
<label>CVC <input name="card_cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123" value="123" required></label>
<label>Cardholder name <input name="name" autocomplete="cc-name"></label>
<button type="submit">${session.mode === 'subscription' ? 'Subscribe' : 'Pay'}</button>
</form>
<p class="muted">Test mode. 4242 4242 4242 4242 succeeds; 4000 0000 0000 0341 and 4000 0000 0000 0002 are declined.</p>`,
  );
}

function successRedirect(session: StripeObject): string {
  return String(session.success_url).replace(/\{CHECKOUT_SESSION_ID\}/g, session.id);
}

export function checkoutPageRoutes(router: Router, store: StripeStore): void {
  const sessionFor = (req: Request, res: Response): StripeObject | undefined => {
    const session = store.sessions.get(String(req.params.id));
    if (!session)
      res
        .status(404)
        .type('html')
        .send(messagePage('Something went wrong', 'The page you were looking for could not be found.'));
    return session;
  };

  router.get('/pay/:id', (req, res) => {
    const session = sessionFor(req, res);
    if (!session) return;
    getSession(store, session.id); // expires it when due
    if (session.status === 'complete') {
      res.type('html').send(
        messagePage('Payment complete', 'This Checkout Session is already complete.', {
          href: successRedirect(session),
          label: 'Continue',
        }),
      );
      return;
    }
    if (session.status === 'expired') {
      res
        .status(410)
        .type('html')
        .send(
          messagePage(
            'Session expired',
            'This Checkout Session has expired.',
            session.cancel_url ? { href: String(session.cancel_url), label: 'Back' } : undefined,
          ),
        );
      return;
    }
    res.type('html').send(checkoutPage(store, session));
  });

  router.post('/pay/:id', ...formOrJsonBody, (req: Request, res: Response) => {
    const session = sessionFor(req, res);
    if (!session) return;
    const body = (req.body ?? {}) as Params;
    const email = typeof body.email === 'string' ? body.email.trim() : '';
    const expiry = typeof body.card_expiry === 'string' ? body.card_expiry.replace(/\s/g, '') : '';
    const cvc = typeof body.card_cvc === 'string' ? body.card_cvc.trim() : '';
    const expiryMatch = /^(\d{2})\/?(\d{2})$/.exec(expiry);
    const fail = (status: number, message: string) =>
      res
        .status(status)
        .type('html')
        .send(checkoutPage(store, session, message, email));
    if (session.status !== 'open') {
      res
        .status(409)
        .type('html')
        .send(messagePage('Session inactive', `This Checkout Session is ${String(session.status)}.`));
      return;
    }
    if (!session.customer_details && !isEmail(email)) return void fail(400, 'Your email address is invalid.');
    if (!expiryMatch || Number(expiryMatch[1]) < 1 || Number(expiryMatch[1]) > 12)
      return void fail(400, "Your card's expiration date is incomplete.");
    const expiryEnd = Date.UTC(2000 + Number(expiryMatch[2]), Number(expiryMatch[1]), 1);
    if (expiryEnd <= Date.now()) return void fail(400, "Your card's expiration year is in the past.");
    if (!/^\d{3,4}$/.test(cvc)) return void fail(400, "Your card's security code is incomplete.");
    try {
      completeSession(store, session.id, cardFrom(body), null);
    } catch (error) {
      if (error instanceof StripeApiError) return void fail(error.status === 402 ? 402 : 400, error.message);
      throw error;
    }
    res.redirect(303, successRedirect(session));
  });
}
