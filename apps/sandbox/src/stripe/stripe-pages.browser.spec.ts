import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import { CHROMIUM_PATH, chromiumInstalled, type HeadlessChromium, launchHeadlessChromium } from '../headless-chromium';
import { type RunningSandbox, startSandbox } from '../sandbox';
import { stripeStandIn } from './stripe.stand-in';
import { stripeSdk, subscriptionCheckout } from './stripe-spec-fixture';

// A missing browser fails this spec rather than skipping it: CI must not pass these pages untested.
if (!chromiumInstalled()) throw new Error(`no browser at ${CHROMIUM_PATH}: run scripts/install-system-deps.sh`);

/** The hosted Checkout and portal pages, completed in a real (headless) browser. */
describe('Stripe pages in a browser', () => {
  let sandbox: RunningSandbox;
  let stripe: Stripe;
  let app: Server;
  let appUrl: string;
  let browser: HeadlessChromium;

  beforeAll(async () => {
    app = createServer((req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1>app ${req.url ?? ''}</h1>`),
    );
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    const standIn = stripeStandIn();
    sandbox = await startSandbox([standIn], 0);
    stripe = stripeSdk(standIn.apiPort);
    browser = await launchHeadlessChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sandbox.close();
    await new Promise<void>((resolve) => app.close(() => resolve()));
  });

  it('pays a subscription on the Checkout page after a declined card, then cancels it in the portal', async () => {
    const session = await subscriptionCheckout(stripe, {
      customer_email: 'browser@example.com',
      success_url: `${appUrl}/billing/success?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${appUrl}/billing/cancel`,
    });
    const page = await browser.page();
    await page.goto(String(session.url));
    await page.fill('input[name=card_number]', '4000 0000 0000 0341');
    await page.click('button[type=submit]');
    await page.getByRole('alert').getByText('Your card was declined.').waitFor();

    await page.fill('input[name=card_number]', '4242 4242 4242 4242');
    await page.click('button[type=submit]');
    await page.waitForURL(`${appUrl}/billing/success?session_id=${session.id}`);
    const completed = await stripe.checkout.sessions.retrieve(session.id);
    expect(completed.status).toBe('complete');

    const portal = await stripe.billingPortal.sessions.create({
      customer: String(completed.customer),
      return_url: `${appUrl}/billing`,
    });
    await page.goto(portal.url);
    await page.getByRole('button', { name: 'Cancel subscription' }).click();
    await page.getByText('will be canceled at the end of the period').waitFor();
    expect((await stripe.subscriptions.retrieve(String(completed.subscription))).cancel_at_period_end).toBe(true);
    await page.getByRole('link', { name: '← Return' }).click();
    await page.waitForURL(`${appUrl}/billing`);
  });
});
