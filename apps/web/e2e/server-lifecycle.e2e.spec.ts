/**
 * The paid half of the journey in a real browser, against the real API serving the build and a
 * real worker provisioning onto a real sshd host (the provisioning harness): the customer
 * watches the set-up live (SSE), sees the node's health, creates an agent, pastes a Telegram
 * token and gets the bot's username, connects WhatsApp (webhook URL + verify token), requests an export and gets an expiring link; staff sees
 * the node in the fleet and the run's logs. Payment itself is covered by the other web spec.
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
// The journey needs the whole control plane: e2e specs start the real API and worker (not app code).
import { cloudflareEdgeFetch, createStandIns, type RunningSandbox, startSandbox } from '@enclave/sandbox';
import {
  eventually,
  type ProvisioningHarness,
  startProvisioningHarness,
  type WorkerProcess,
} from '../../api/test/provisioning-harness';
import { type Browser, launchBrowser } from './browser';
import { ensureWebBuild } from './web-build';

jest.setTimeout(300_000);

const BOT_TOKEN = '7012345678:AAHk2u7vS0cVqXw9yZ1bC3dE5fG7hJ9kL0m';
const WHATSAPP = {
  phoneNumberId: '109876543210',
  displayPhoneNumber: '+1 555 0100',
  appSecret: 'wa-app-secret-0123456789abcdef',
  accessToken: 'EAAGm0PX4ZCpsBAKZCj1ZBqZAw0ZB3x9ZBqZCvR7',
};

describe('web app: server set-up, agent, channel, export, fleet', () => {
  let h: ProvisioningHarness;
  let worker: WorkerProcess;
  let providers: RunningSandbox;
  let browser: Browser;
  let page: Page;
  let base: string;
  let workspaceId = '';

  async function useSession(cookie: string): Promise<void> {
    const [name, value] = cookie.split('=');
    await browser.context.clearCookies();
    await browser.context.addCookies([{ name, value, url: base, httpOnly: true, sameSite: 'Lax' }]);
  }

  beforeAll(async () => {
    ensureWebBuild();
    // Telegram, WhatsApp and OpenAI as the providers; their webhooks reach the provisioned node
    // through the Cloudflare edge, resolving node names with the harness's DNS and host ports.
    const standIns = createStandIns({
      smtpPort: 0,
      edgeResolve: (hostname) => h.edgeOrigin(hostname),
      edgeOriginCaPem: () => h.originCaPem,
    }).filter((standIn) => ['/telegram', '/whatsapp', '/openai'].includes(standIn.prefix));
    providers = await startSandbox(standIns, 0);
    const registered = await fetch(`${providers.url}/whatsapp/_test/phone-numbers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        phoneNumberId: WHATSAPP.phoneNumberId,
        displayPhoneNumber: WHATSAPP.displayPhoneNumber,
        appSecret: WHATSAPP.appSecret,
      }),
    });
    expect(registered.status).toBe(201);
    h = await startProvisioningHarness({
      TELEGRAM_API_ROOT: `${providers.url}/telegram`,
      WHATSAPP_GRAPH_API_URL: `${providers.url}/whatsapp`,
      OPENAI_API_URL: `${providers.url}/openai/v1`,
      SECRET_PEPPER: `pepper-${randomBytes(16).toString('hex')}`,
      SECRET_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    worker = h.startWorker();
    await h.addHost();
    base = h.api.url;
    browser = await launchBrowser();
    page = browser.page;
    await useSession(h.ownerCookie);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.kill();
    await h?.close();
    await providers?.close();
    if (browser) console.log(`web e2e screenshots: ${browser.screenshotDir}\n${browser.errors.join('\n')}`);
  });

  it('follows provisioning live, step by step, until the workspace is active', async () => {
    await page.goto(`${base}/`);
    await page.getByRole('textbox', { name: 'Name' }).fill('Globex Helpdesk');
    await page.getByText('globex-helpdesk.enclave.app is available').waitFor();
    await page.getByRole('button', { name: 'Create and continue to payment' }).click();
    await page.waitForURL(/\/billing$/);
    workspaceId = page.url().match(/workspaces\/([0-9a-f-]{36})/)![1];

    await page.getByRole('tab', { name: 'Server' }).click();
    await page.getByTestId('stream-state').getByText('Live').waitFor();
    await page.getByText('Waiting for payment').waitFor();
    // What billing does once Stripe confirms the payment (the other spec pays for real).
    await h.api.dataSource.query(`UPDATE workspaces SET status = 'provisioning' WHERE id = $1`, [workspaceId]);
    await h.enqueueProvision(workspaceId);

    await page.locator('[data-step="allocate"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="provisioning-log"] tr').first().waitFor({ timeout: 60_000 });
    await browser.shot('20-provisioning-in-progress');
    const finished = page
      .locator('[data-step="healthy"][data-status="succeeded"]')
      .or(page.locator('li[data-status="failed"]'));
    await finished.first().waitFor({ timeout: 240_000 });
    // A failed step fails the test with the step's own error (what the customer sees).
    expect(await page.locator('li[data-status="failed"]').allInnerTexts()).toEqual([]);
    await page.getByTestId('workspace-status').getByText('active').waitFor({ timeout: 30_000 });
    expect(await page.locator('li[data-status="succeeded"]').count()).toBe(await page.locator('li[data-step]').count());
    expect(await page.getByLabel('Provisioning progress').getAttribute('aria-valuenow')).toBe('100');
    await browser.shot('21-provisioning-done');
    await page.setViewportSize({ width: 375, height: 812 });
    expect(
      await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'),
    ).toBeLessThanOrEqual(0);
    await browser.shot('21b-provisioning-done-375px');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it("shows the node's health, version, hostname and heartbeat on the overview", async () => {
    await page.getByRole('tab', { name: 'Overview' }).click();
    const health = page.getByTestId('node-health');
    await health.waitFor({ timeout: 30_000 });
    await health.getByText('globex-helpdesk.enclave.test').waitFor();
    await page.getByText('Messages per day').waitFor();
    await browser.shot('22-overview-active');
  });

  it('creates an agent', async () => {
    await page.getByRole('tab', { name: 'Agents' }).click();
    await page.getByRole('button', { name: 'New agent' }).click();
    const form = page.getByRole('form', { name: 'New agent' });
    await form.getByLabel('Name').fill('Helpdesk');
    await form.getByLabel('Instructions').fill('Answer questions about Globex orders politely and briefly.');
    await form.getByRole('button', { name: 'Create agent' }).click();
    await page.getByTestId('agent').getByText('Helpdesk').waitFor();
    await browser.shot('23-agents');
  });

  it('connects Telegram by pasting the bot token and shows the bot username', async () => {
    await page.getByRole('tab', { name: 'Channels' }).click();
    await page.getByLabel('Bot token').fill(BOT_TOKEN);
    await page.getByRole('button', { name: 'Connect Telegram' }).click();
    const outcome = page
      .getByTestId('bot-username')
      .or(page.getByRole('form', { name: 'Connect a channel' }).getByRole('alert'));
    await outcome.first().waitFor({ timeout: 60_000 });
    expect(await outcome.first().innerText()).toMatch(/^Connected to @\w+/);
    expect(await page.getByTestId('bot-username').innerText()).toMatch(/^Connected to @\w+/);
    await page.getByTestId('channel-telegram').waitFor();
    // The token is never shown back, and never stored in clear by the control plane.
    expect(await page.content()).not.toContain(BOT_TOKEN);
    const stored = await h.api.dataSource.query(`SELECT count(*)::int AS n FROM secret_records WHERE mask LIKE $1`, [
      `%${BOT_TOKEN.slice(-4)}`,
    ]);
    expect(stored[0].n).toBe(1);
    await browser.shot('24-channels-telegram');
  });

  it("answers an end user's Telegram message with the agent's reply, and the usage chart counts it", async () => {
    await h.api
      .http()
      .put(`/api/workspaces/${workspaceId}/secrets/openai_api_key`)
      .set('cookie', h.ownerCookie)
      .send({ value: `sk-proj-${randomBytes(24).toString('hex')}` })
      .expect(200);
    const text = 'Where is my order 4711?';
    const sendUpdate = await fetch(`${providers.url}/telegram/_test/bots/${BOT_TOKEN}/updates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chatId: 9001, text }),
    });
    expect(sendUpdate.ok).toBe(true);
    const reply = await eventually(
      async () => {
        const sent = (await (await fetch(`${providers.url}/telegram/_test/bots/${BOT_TOKEN}/sent`)).json()) as {
          messages: Array<{ text: string }>;
        };
        return sent.messages[0]?.text;
      },
      60_000,
      250,
    );
    expect(reply).toContain(`You said: "${text}"`);

    await page.getByRole('tab', { name: 'Overview' }).click();
    const chart = page.getByTestId('usage-chart');
    await eventually(
      async () => {
        await page.reload();
        await chart.waitFor({ timeout: 10_000 });
        return (await chart.locator('.recharts-bar-rectangle').count()) > 0;
      },
      60_000,
      1_000,
    );
    expect(await chart.locator('.recharts-legend-item-text').allInnerTexts()).toContain('Telegram');
    await browser.shot('24b-overview-usage-live');
  });

  it('connects WhatsApp (with its 24-hour window template) and shows the webhook URL and verify token to copy into Meta', async () => {
    await page.getByRole('tab', { name: 'Channels' }).click();
    const form = page.getByRole('form', { name: 'Connect a channel' });
    await form.getByText('WhatsApp', { exact: true }).click();
    await form.getByLabel('Phone number id').fill(WHATSAPP.phoneNumberId);
    await form.getByLabel('Access token').fill(WHATSAPP.accessToken);
    await form.getByLabel('App secret').fill(WHATSAPP.appSecret);
    // The approved template sent once WhatsApp's 24-hour window is closed.
    await form.getByLabel('Window template name').fill('reopen_conversation');
    await form.getByLabel('Template language code').fill('en_US');
    await form.getByRole('button', { name: 'Connect WhatsApp' }).click();
    const card = page.getByTestId('channel-whatsapp');
    await card.waitFor({ timeout: 30_000 });
    const url = await card.getByTestId('whatsapp-webhook-url').inputValue();
    expect(url).toMatch(/^https:\/\/globex-helpdesk\.enclave\.test\/\S+/);
    expect((await card.getByTestId('whatsapp-verify-token').inputValue()).length).toBeGreaterThanOrEqual(16);
    await card.getByText(WHATSAPP.displayPhoneNumber).waitFor();
    await card.getByText(/the template reopen_conversation \(en_US\) is sent instead of a reply/).waitFor();
    expect(await page.content()).not.toContain(WHATSAPP.accessToken);
    await browser.shot('25-channels-whatsapp');
  });

  it('requests an export and gets a link with an expiry countdown', async () => {
    await page.getByRole('tab', { name: 'Data' }).click();
    await page.getByRole('button', { name: 'Request export' }).click();
    const outcome = page.getByTestId('export-result').or(page.getByRole('alert'));
    await outcome.first().waitFor({ timeout: 60_000 });
    expect(await outcome.first().innerText()).not.toMatch(/node|try again/i);
    const href = await page.getByTestId('export-link').getAttribute('href');
    expect(href).toMatch(/^https:\/\/globex-helpdesk\.enclave\.test\//);
    expect(await page.getByTestId('expiry-countdown').first().innerText()).toMatch(/^Expires in (59m|1h)/);
    // The link downloads (through the Cloudflare edge to the node), holding the conversation.
    const edge = cloudflareEdgeFetch({
      resolve: (hostname) => h.edgeOrigin(hostname),
      originCaPem: () => h.originCaPem,
    });
    const download = await edge(href!, { method: 'GET', headers: {} });
    expect(download.status).toBe(200);
    const archive = gunzipSync(Buffer.from(await download.arrayBuffer())).toString('utf8');
    expect(archive).toContain('conversations/');
    expect(archive).toContain('Where is my order 4711?');

    // Retention: the node's default until set; a new window is applied on the node.
    expect(await page.getByTestId('retention-current').innerText()).toBe(
      'Conversations are kept 365 days (the default).',
    );
    await page.getByLabel('Keep conversations for (days)').fill('30');
    await page.getByRole('button', { name: 'Save retention' }).click();
    await page.getByText('Conversations are kept 30 days, applied on your server.').waitFor({ timeout: 30_000 });
    await browser.shot('26-data-export');
  });

  it('shows staff the node in the fleet and the run with its logs', async () => {
    await useSession(h.staffCookie);
    await page.goto(`${base}/staff/fleet`);
    await page.getByTestId('fleet-table').getByText('globex-helpdesk').waitFor();
    await browser.shot('27-staff-fleet');
    await page.getByTestId('fleet-table').getByRole('link', { name: 'globex-helpdesk' }).click();
    await page.waitForURL(new RegExp(`/staff/workspaces/${workspaceId}$`));
    await page.locator('[data-step="install"][data-status="succeeded"]').waitFor();
    await page.getByRole('button', { name: 'Retry provisioning' }).waitFor();
    expect(await page.getByRole('button', { name: 'Retry provisioning' }).isDisabled()).toBe(true);
    await browser.shot('28-staff-workspace');
  });
});
