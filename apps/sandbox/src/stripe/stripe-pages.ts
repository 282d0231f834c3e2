import express, { type Response } from 'express';
import { escapeHtml } from '../helpers';
import type { StripeObject } from './stripe-store';

/**
 * What the hosted pages share (Checkout, the customer portal, invoices): plain HTML, real
 * forms and no JavaScript, so a test can complete them with fetch as well as in a browser.
 */

/** Body parsers of the page forms (and of the test controls, which also take JSON). */
export const formOrJsonBody = [express.urlencoded({ extended: false, limit: '32kb' }), express.json({ limit: '32kb' })];

export function money(amount: unknown, currency: unknown): string {
  return `${(Number(amount) / 100).toFixed(2)} ${String(currency).toUpperCase()}`;
}

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} – Stripe sandbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.6rem 0}input{display:block;width:100%;padding:.4rem;font-size:1rem}button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem}.error{color:#b00020}.muted{color:#666;font-size:.9rem}table{width:100%;border-collapse:collapse}td{padding:.3rem 0}</style>
</head><body>${body}</body></html>`;
}

export function messagePage(title: string, message: string, link?: { href: string; label: string }): string {
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>` : ''}`,
  );
}

/** The pages' answer to an unknown object or action. */
export function sendNotFound(res: Response, message: string): void {
  res.status(404).type('html').send(messagePage('Not found', message));
}

export function invoicePage(invoice: StripeObject): string {
  return layout(
    `Invoice ${String(invoice.number)}`,
    `<h1>Invoice ${escapeHtml(invoice.number)}</h1><p>Status: <strong>${escapeHtml(invoice.status)}</strong></p><p>Amount due: ${money(invoice.amount_due, invoice.currency)}; paid: ${money(invoice.amount_paid, invoice.currency)}</p>`,
  );
}
