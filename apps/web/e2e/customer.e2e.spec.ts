/**
 * The customer's side of the web app in a real browser (Debian's chromium through playwright-core)
 * against the real API serving the production build, with the sandbox's GitHub, Google, Stripe
 * and mail stand-ins: a customer signs up through the sandbox's OAuth page, creates a workspace,
 * pays through the Stripe-hosted sandbox checkout, invites a member who then signs in with Google.
 * Screenshots of every page land in a temp dir (WEB_SCREENSHOT_DIR to choose it).
 */
import type { Page } from 'playwright-core';
import { startWebApp, type WebApp } from './web-app';

jest.setTimeout(120_000);

describe('web app: customer journey', () => {
  let app: WebApp;
  let page: Page;
  let base: string;
  let workspaceId = '';

  beforeAll(async () => {
    app = await startWebApp();
    ({ base } = app);
    page = app.browser.page;
    await fetch(`${app.harness.api.sandbox.url}/github/_test/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        login: 'olivia-owner',
        email: 'olivia@example.com',
        name: 'Olivia Owner',
        emailVerified: true,
      }),
    });
  });
  afterAll(() => app?.close());

  it('serves the SPA for app paths, JSON 404 for unknown API paths, and hashed assets', async () => {
    const deep = await fetch(`${base}/workspaces/00000000-0000-0000-0000-000000000000/members`, {
      headers: { accept: 'text/html' },
    });
    expect(deep.status).toBe(200);
    const html = await deep.text();
    expect(html).toContain('<div id="root">');
    const asset = html.match(/\/assets\/index-[\w-]+\.js/)?.[0];
    expect(asset).toBeDefined();
    const js = await fetch(`${base}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    const api404 = await fetch(`${base}/api/no-such-thing`, { headers: { accept: 'text/html' } });
    expect(api404.status).toBe(404);
    expect(api404.headers.get('content-type')).toContain('application/json');
  });

  it('signs up with GitHub through the sandbox authorize page', async () => {
    await page.goto(`${base}/`);
    await page.waitForURL(/\/sign-in/);
    await page.getByRole('heading', { name: 'Sign in to Enclave' }).waitFor();
    await app.browser.shot('01-sign-in');
    await page.getByRole('link', { name: 'Continue with GitHub' }).click();
    // The sandbox's own authorize page: pick the account like a person would.
    await page.locator('button[data-login="olivia-owner"]').click();
    await page.getByRole('heading', { name: 'Workspaces' }).waitFor();
    await page.getByText('No workspaces yet').waitFor();
    await app.browser.shot('02-workspaces-empty');
  });

  it('creates a workspace with a live slug check', async () => {
    await page.getByRole('textbox', { name: 'Name' }).fill('Acme Support');
    const slug = page.getByRole('textbox', { name: 'Slug' });
    expect(await slug.inputValue()).toBe('acme-support');
    // A reserved slug is refused as you type, with the server's reason.
    await slug.fill('admin');
    await page.getByText('Slug is reserved.').waitFor();
    await app.browser.shot('03-create-workspace-slug-refused');
    await slug.fill('acme-support');
    await page.getByText('acme-support.enclave.app is available').waitFor();
    // Keyboard only: Enter in the field submits the form.
    await slug.press('Enter');
    await page.waitForURL(/\/workspaces\/[0-9a-f-]{36}\/billing$/);
    workspaceId = page.url().match(/workspaces\/([0-9a-f-]{36})/)![1];
    await page.getByRole('button', { name: 'Subscribe to Monthly' }).waitFor();
    await page.getByTestId('workspace-status').getByText('pending payment').waitFor();
    await app.browser.shot('04-billing-choose-plan');
  });

  it('pays through the Stripe sandbox checkout and comes back to the return page', async () => {
    await page.getByRole('button', { name: 'Subscribe to Monthly' }).click();
    await page.waitForURL((url) => url.toString().startsWith(app.harness.stripeSandbox.url));
    await app.browser.shot('05-stripe-sandbox-checkout');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForURL(/\/billing\?checkout=success/);
    await page.getByText('Payment received').waitFor({ timeout: 30_000 });
    await page.getByText('Plan: monthly').waitFor();
    await app.browser.shot('06-checkout-return');
  });

  it('opens the Stripe billing portal', async () => {
    await page.getByRole('button', { name: /Manage billing/ }).click();
    await page.waitForURL((url) => url.toString().startsWith(app.harness.stripeSandbox.url));
    await page.getByRole('button', { name: 'Cancel subscription' }).waitFor();
    await app.browser.shot('06b-stripe-sandbox-portal');
    await page.goBack();
    await page.getByText('Plan: monthly').waitFor();
  });

  it('invites a member', async () => {
    await page.getByRole('tab', { name: 'Members' }).click();
    await page.waitForURL(/\/members$/);
    await page.getByTestId('members-table').getByText('Olivia Owner').waitFor();
    await page.getByRole('form', { name: 'Invite a member' }).getByLabel('Email').fill('max@example.com');
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.getByText('Invitation sent to max@example.com.').waitFor();
    await page.getByTestId('invitations').getByText('max@example.com').waitFor();
    await app.browser.shot('07-members');
  });

  it("shows the workspace's own audit trail and overview", async () => {
    await page.getByRole('tab', { name: 'Audit trail' }).click();
    await page.locator('tr[data-action="invitation.created"]').waitFor();
    await page.locator('tr[data-action="workspace.created"]').waitFor();
    await app.browser.shot('08-workspace-audit');
    await page.getByRole('tab', { name: 'Overview' }).click();
    await page.getByTestId('overview-status').waitFor();
    await app.browser.shot('09-overview');
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByText('Delete workspace', { exact: true }).waitFor();
    await app.browser.shot('10-settings');
  });

  it('charts messages per day per channel from the usage API', async () => {
    // What the node's heartbeats record (counts only), for the last 14 days.
    for (let daysAgo = 0; daysAgo < 14; daysAgo += 1) {
      const day = new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
      await app.harness.api.dataSource.query(
        `INSERT INTO usage_daily (workspace_id, day, channel, inbound, outbound) VALUES ($1, $2, 'telegram', $3, $3), ($1, $2, 'whatsapp', $4, $4)`,
        [workspaceId, day, 20 + ((daysAgo * 7) % 15), 5 + ((daysAgo * 3) % 9)],
      );
      await app.harness.api.dataSource.query(
        `INSERT INTO usage_daily (workspace_id, day, channel, handoffs, human_replies) VALUES ($1, $2, 'inbox', $3, $4)`,
        [workspaceId, day, daysAgo % 4, 2 + ((daysAgo * 5) % 7)],
      );
    }
    await page.getByRole('tab', { name: 'Overview' }).click();
    const chart = page.getByTestId('usage-chart');
    await chart.waitFor();
    await chart.locator('.recharts-bar-rectangle').first().waitFor();
    expect(await chart.locator('.recharts-legend-item-text').allInnerTexts()).toEqual([
      'Telegram',
      'WhatsApp',
      'Handoffs',
      'Human replies',
    ]);
    await page.getByText('7 days', { exact: true }).click();
    await page.getByRole('img', { name: /Messages per day per channel/ }).waitFor();
    await chart.locator('.recharts-bar-rectangle').first().waitFor();
    await app.browser.shot('09b-overview-usage');
  });

  it('works at 375 px wide', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(`${base}/`);
    await page.getByTestId('workspace-card').first().waitFor();
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await app.browser.shot('11-workspaces-375px');
    await page.goto(`${base}/workspaces/${workspaceId}/members`);
    await page.getByTestId('members-table').waitFor();
    await app.browser.shot('12-members-375px');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('deletes a workspace only after its slug is typed', async () => {
    await page.goto(`${base}/`);
    await page.getByRole('textbox', { name: 'Name' }).fill('Scratch Pad');
    await page.getByText('scratch-pad.enclave.app is available').waitFor();
    await page.getByRole('button', { name: 'Create and continue to payment' }).click();
    await page.waitForURL(/\/billing$/);
    await page.getByRole('tab', { name: 'Settings' }).click();
    const remove = page.getByRole('button', { name: 'Delete this workspace' });
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel('Type scratch-pad to confirm').fill('scratch-pa');
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel('Type scratch-pad to confirm').fill('scratch-pad');
    await app.browser.shot('10b-delete-workspace-armed');
    await remove.click();
    await page.waitForURL(`${base}/`);
    await page.getByTestId('workspace-card').getByText('Acme Support').waitFor();
    await page.getByTestId('workspace-card').getByText('Scratch Pad').waitFor({ state: 'detached' });
  });

  it('the invited member signs in with Google and finds the workspace', async () => {
    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await page.getByRole('link', { name: 'Continue with Google' }).click();
    // The sandbox's Google account chooser: type an address that is not listed yet.
    await page.getByLabel('Email').fill('max@example.com');
    await page.getByRole('button', { name: 'Next' }).click();
    const card = page.getByTestId('workspace-card').filter({ hasText: 'Acme Support' });
    await card.waitFor();
    await card.getByText('member').waitFor();
    await card.getByRole('link', { name: 'Acme Support' }).click();
    await page.getByRole('tab', { name: 'Members' }).click();
    await page.getByTestId('members-table').getByText('max@example.com').waitFor();
    // A member sees the team but cannot invite or change roles.
    expect(await page.getByRole('form', { name: 'Invite a member' }).count()).toBe(0);
    await app.browser.shot('12b-members-as-member');
  });

  it('keeps staff pages from customers', async () => {
    await page.goto(`${base}/staff/audit`);
    await page.getByText('This console is for Enclave staff.').waitFor();
    const queues = await page.request.get(`${base}/api/staff/queues`);
    expect(queues.status()).toBe(403);
    const anonymous = await fetch(`${base}/api/staff/queues`);
    expect(anonymous.status).toBe(401);
  });
});
