import { escapeHtml } from '../helpers';
import type { StripeObject } from './stripe-store';

/** Plain HTML pages (real forms, no JavaScript) for hosted Checkout, the customer portal and invoices. */

export function money(amount: unknown, currency: unknown): string {
  return `${(Number(amount) / 100).toFixed(2)} ${String(currency).toUpperCase()}`;
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} – Stripe sandbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.6rem 0}input{display:block;width:100%;padding:.4rem;font-size:1rem}button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem}.error{color:#b00020}.muted{color:#666;font-size:.9rem}table{width:100%;border-collapse:collapse}td{padding:.3rem 0}</style>
</head><body>${body}</body></html>`;
}

export function checkoutPage(
  session: StripeObject,
  lineItems: Array<{
    description: string;
    quantity: number;
    amount: number;
    currency: string;
    interval: string | null;
  }>,
  options: { action: string; error?: string; email?: string | null; emailLocked: boolean },
): string {
  const rows = lineItems
    .map(
      (li) =>
        `<tr><td>${escapeHtml(li.description)} × ${li.quantity}</td><td style="text-align:right">${money(li.amount, li.currency)}${li.interval ? ` / ${escapeHtml(li.interval)}` : ''}</td></tr>`,
    )
    .join('');
  const cancel = session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}">← Back</a></p>` : '';
  return layout(
    'Checkout',
    `${cancel}<h1>${session.mode === 'subscription' ? 'Subscribe' : 'Pay'}</h1>
<table>${rows}<tr><td><strong>Total due today</strong></td><td style="text-align:right"><strong>${money(session.amount_total, session.currency)}</strong></td></tr></table>
${options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : ''}
<form method="post" action="${escapeHtml(options.action)}">
<label>Email <input type="email" name="email" autocomplete="email" value="${escapeHtml(options.email ?? '')}" ${options.emailLocked ? 'readonly' : 'required'}></label>
<label>Card number <input name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" value="4242 4242 4242 4242" required></label>
<label>Expiry (MM / YY) <input name="card_expiry" autocomplete="cc-exp" placeholder="12 / 34" value="12 / 34" required></label>
<label>CVC <input name="card_cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123" value="123" required></label>
<label>Cardholder name <input name="name" autocomplete="cc-name"></label>
<button type="submit">${session.mode === 'subscription' ? 'Subscribe' : 'Pay'}</button>
</form>
<p class="muted">Test mode. 4242 4242 4242 4242 succeeds; 4000 0000 0000 0341 and 4000 0000 0000 0002 are declined.</p>`,
  );
}

export function messagePage(title: string, message: string, link?: { href: string; label: string }): string {
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>` : ''}`,
  );
}

export function portalPage(
  portal: StripeObject,
  customer: StripeObject,
  subscriptions: StripeObject[],
  openInvoices: StripeObject[],
  base: string,
  notice?: string,
): string {
  const subs = subscriptions
    .map((s) => {
      const item = (s.items as { data: Array<{ price: StripeObject; current_period_end: number }> }).data[0];
      const actions: string[] = [];
      if (s.status !== 'canceled') {
        if (s.cancel_at_period_end)
          actions.push(
            `<form method="post" action="${base}/subscriptions/${s.id}/renew"><button type="submit">Renew subscription</button></form>`,
          );
        else
          actions.push(
            `<form method="post" action="${base}/subscriptions/${s.id}/cancel"><button type="submit">Cancel subscription</button></form>`,
          );
        actions.push(
          `<form method="post" action="${base}/subscriptions/${s.id}/cancel_now"><button type="submit">Cancel immediately</button></form>`,
        );
      }
      const until = item ? new Date(item.current_period_end * 1000).toISOString().slice(0, 10) : '';
      return `<section data-subscription="${escapeHtml(s.id)}"><h2>${escapeHtml(item?.price.product)} – ${item ? money(item.price.unit_amount, item.price.currency) : ''}</h2>
<p>Status: <strong>${escapeHtml(s.status)}</strong>${s.cancel_at_period_end ? ` (cancels on ${until})` : s.status === 'canceled' ? '' : ` (renews on ${until})`}</p>${actions.join('')}</section>`;
    })
    .join('');
  const invoices = openInvoices
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

export function invoicePage(invoice: StripeObject): string {
  return layout(
    `Invoice ${String(invoice.number)}`,
    `<h1>Invoice ${escapeHtml(invoice.number)}</h1><p>Status: <strong>${escapeHtml(invoice.status)}</strong></p><p>Amount due: ${money(invoice.amount_due, invoice.currency)}; paid: ${money(invoice.amount_paid, invoice.currency)}</p>`,
  );
}
