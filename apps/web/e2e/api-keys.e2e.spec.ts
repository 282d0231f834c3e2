/**
 * Chat API keys in a real browser: an admin creates a key on the API keys page and sees it
 * once; the official `openai` client gets answers from the node with it; the list shows mask,
 * fingerprint and last use, never the key; revoking it in the page makes the node refuse it.
 */
import OpenAI from 'openai';
import type { Page } from 'playwright-core';
import { CHAT_API_KEY_SHAPE } from '@enclave/node-protocol';
// The journey needs the whole control plane and a real node: e2e specs start them (not app code).
import { alnum, type AgentsWorkspace, startAgentsWorkspace } from '../../api/test/agents-workspace';
import { type Browser, launchBrowser } from './browser';
import { ensureWebBuild } from './web-build';

jest.setTimeout(180_000);

describe('web app: chat API keys created and revoked in the dashboard, used against the node', () => {
  let w: AgentsWorkspace;
  let browser: Browser;
  let page: Page;
  let base: string;
  let secret: string;
  const client = () => new OpenAI({ apiKey: secret, baseURL: `${w.node.url}/v1`, maxRetries: 0 });

  beforeAll(async () => {
    ensureWebBuild();
    w = await startAgentsWorkspace();
    await w.h.api
      .http()
      .put(`${w.ws}/secrets/openai_api_key`)
      .set('Cookie', w.adminCookie)
      .send({ value: `sk-web${alnum(30)}` })
      .expect(200);
    base = w.h.api.url;
    browser = await launchBrowser();
    page = browser.page;
    await browser.signIn(w.adminCookie, base);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  it('creates a key and shows it once; the openai client gets answers with it', async () => {
    await page.goto(`${base}/workspaces/${w.owner.workspaceId}/api-keys`);
    await page.getByRole('heading', { name: 'API keys' }).waitFor({ timeout: 20_000 });
    await page.getByText('No API keys yet').waitFor();
    await page.getByLabel('Name').fill('Website backend');
    await page.getByRole('textbox', { name: 'Agent' }).click();
    await page.getByRole('option', { name: 'Helper' }).click();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByTestId('api-key-notice').waitFor();
    secret = await page.getByTestId('api-key-secret').inputValue();
    expect(secret).toMatch(CHAT_API_KEY_SHAPE);
    await browser.shot('80-api-keys-shown-once');

    const answer = await client().chat.completions.create({
      model: w.agentId,
      messages: [{ role: 'user', content: 'hello from the browser test' }],
    });
    expect(answer.choices[0].message.content).toContain('hello from the browser test');

    await page.getByRole('button', { name: 'I have copied it' }).click();
    await w.node.app.internals.heartbeat.beat(); // brings the key's last use
    await page.reload();
    const row = page.getByTestId('api-key-list');
    await row.getByText(`sk-enclave-…${secret.slice(-4)}`).waitFor();
    await row.getByText('history off').waitFor();
    expect(await page.content()).not.toContain(secret);
    await browser.shot('81-api-keys-list');
  });

  it('revoking the key in the page makes the node refuse it', async () => {
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('api-key-list').getByText('revoked').waitFor();
    await expect(client().models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect(browser.errors).toEqual([]);
  });
});
