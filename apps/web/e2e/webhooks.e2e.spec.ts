/**
 * Webhooks in a real browser: an admin adds an endpoint on the Webhooks page and sees its
 * signing secret once; the node signs with it (the receiver verifies with the official
 * standardwebhooks package); the delivery log, read from the node with a node session, shows a
 * receiver's refusal, and the replay button sends the same webhook-id again.
 */
import type { Page } from 'playwright-core';
// The journey needs the whole control plane and a real node: e2e specs start them (not app code).
import { startWebhookReceiver, type WebhookReceiver } from '../../../agent-node/src/testing/webhook-receiver';
import { type AgentsWorkspace, startAgentsWorkspace } from '../../api/test/agents-workspace';
import { waitFor } from '../../api/test/agent-node-harness';
import { type Browser, launchBrowser } from './browser';
import { ensureWebBuild } from './web-build';

jest.setTimeout(180_000);

describe('web app: webhooks configured in the dashboard, sent and logged by the node', () => {
  let w: AgentsWorkspace;
  let receiver: WebhookReceiver;
  let browser: Browser;
  let page: Page;
  let base: string;
  let secret: string;

  beforeAll(async () => {
    ensureWebBuild();
    receiver = await startWebhookReceiver();
    w = await startAgentsWorkspace({
      env: { WEBHOOK_TEST_HOSTS: receiver.hostPort },
      node: { webhooks: { testAllowHosts: [receiver.hostPort] } },
    });
    base = w.h.api.url;
    browser = await launchBrowser();
    page = browser.page;
    await browser.signIn(w.adminCookie, base);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await w?.close();
    await receiver?.close();
  });

  it('adds an endpoint and shows its signing secret once', async () => {
    await page.goto(`${base}/workspaces/${w.owner.workspaceId}/webhooks`);
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor({ timeout: 20_000 });
    await page.getByText('No webhook endpoints yet').waitFor();
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByTestId('signing-secret-notice').waitFor();
    secret = await page.getByTestId('signing-secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    receiver.useSecret(secret);
    await browser.shot('60-webhooks-secret-once');

    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.reload();
    await page.getByText(receiver.url).waitFor();
    expect(await page.content()).not.toContain(secret);
  });

  it("the delivery log shows the receiver's refusal; replay sends the same webhook-id and it is delivered", async () => {
    receiver.script = { status: 404 };
    await w.h.providersJson('POST', `/telegram/_test/bots/${w.botToken}/updates`, { chatId: 42, text: 'hello hooks' });
    await waitFor(
      async () => (await w.node.app.internals.webhooks.sender.runDue()) > 0 || receiver.received.length > 0,
    );
    expect(receiver.verified()).toHaveLength(1);

    await page.getByRole('button', { name: 'Delivery log', exact: true }).click();
    const row = page.getByTestId('delivery-row').first();
    await row.getByText('failed').waitFor();
    await row.getByText('HTTP 404').waitFor();

    receiver.script = { status: 204 };
    await row.getByRole('button', { name: 'Replay' }).click();
    await waitFor(async () => (await w.node.app.internals.webhooks.sender.runDue()) > 0);
    await page.getByRole('button', { name: 'Hide delivery log' }).click();
    await page.getByRole('button', { name: 'Delivery log', exact: true }).click();
    await page.getByTestId('delivery-row').first().getByText('delivered').waitFor({ timeout: 10_000 });
    const ids = receiver.verified().map((r) => r.id);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
    await browser.shot('61-webhooks-delivery-log');
  });
});
