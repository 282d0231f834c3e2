/**
 * The knowledge base in a real browser: the admin adds a page and uploads a PDF on the Knowledge
 * page, which sends both straight to the workspace's node (node session, CORS); the statuses
 * reach "Ready"; an end user then asks through Telegram and the agent's prompt carries the PDF's
 * excerpt and the reply cites it. The control plane keeps none of it.
 */
import { HANDBOOK_FACT, handbookPdf, startTestSite, type TestSite } from '@enclave/sandbox';
import type { Page } from 'playwright-core';
// The journey needs the whole control plane and a real node: e2e specs start them (not app code).
import { NodeApp } from '../../../agent-node/src/node-app';
import { type AgentsWorkspace, startAgentsWorkspace } from '../../api/test/agents-workspace';
import { waitFor } from '../../api/test/agent-node-harness';
import { databaseDump, leaks } from '../../api/test/leak-scan';
import { type Browser, launchBrowser } from './browser';
import { ensureWebBuild } from './web-build';

jest.setTimeout(180_000);

describe('web app: knowledge base managed on the node from the browser', () => {
  let w: AgentsWorkspace;
  let site: TestSite;
  let browser: Browser;
  let page: Page;
  let base: string;

  const row = (name: string | RegExp) => page.getByTestId('knowledge-source').filter({ hasText: name });

  beforeAll(async () => {
    ensureWebBuild();
    site = await startTestSite();
    w = await startAgentsWorkspace();
    base = w.h.api.url;
    await w.h.api
      .http()
      .put(`${w.ws}/secrets/openai_api_key`)
      .set('Cookie', w.adminCookie)
      .send({ value: `sk-knowledge${'x'.repeat(30)}` })
      .expect(200);
    // The test website is on loopback, which a node never fetches unless its config names the host.
    await w.node.halt();
    const cfg = w.node.app.cfg;
    w.node.app = new NodeApp(
      { ...cfg, knowledge: { ...cfg.knowledge, testAllowHosts: [site.host], crawlDelayMs: 0 } },
      { backgroundTasks: false },
    );
    await w.node.app.start();
    browser = await launchBrowser();
    page = browser.page;
    await browser.signIn(w.adminCookie, base);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await w?.close();
    await site?.close();
  });

  it('adds a page and uploads a file from the dashboard; both reach Ready', async () => {
    await page.goto(`${base}/workspaces/${w.owner.workspaceId}/knowledge`);
    await page.getByRole('heading', { name: 'Knowledge' }).waitFor({ timeout: 20_000 });
    await page.getByText('No sources yet').waitFor();

    await page.getByLabel('Page address').fill(`${site.url}/services`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await row('Workshop services').and(page.locator('[data-status="ready"]')).waitFor({ timeout: 20_000 });

    await page.getByText('File', { exact: true }).click();
    await page.locator('input[type="file"]').setInputFiles({
      name: 'handbook.pdf',
      mimeType: 'application/pdf',
      buffer: handbookPdf(),
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    await row('handbook.pdf').and(page.locator('[data-status="ready"]')).waitFor({ timeout: 20_000 });
    await page.getByTestId('knowledge-hybrid-note').waitFor();
    expect(await page.getByTestId('knowledge-counts').textContent()).toMatch(/^2 sources · 2 chunks/);
    await browser.shot('40-knowledge-sources');
  });

  it('asked through Telegram, the agent answers from the PDF and cites it', async () => {
    await w.h.providersJson('POST', `/telegram/_test/bots/${w.botToken}/updates`, {
      chatId: 61_001,
      text: 'What warranty do carbon frames have?',
      firstName: 'Ola',
    });
    const sent = await waitFor(async () => {
      const answer = await w.h.providersJson('GET', `/telegram/_test/bots/${w.botToken}/sent`);
      return answer.messages.length === 1 ? (answer.messages as Array<{ text: string }>) : undefined;
    }, 20_000);
    expect(sent[0].text).toContain('Sources:\n[1] Northwind rider handbook');
    const requests = ((await w.h.providersJson('GET', '/openai/_test/requests')) as unknown as { requests: unknown })
      .requests as Array<{
      messages: Array<{ content: string }>;
    }>;
    expect(requests.at(-1)?.messages[0].content).toContain(HANDBOOK_FACT);
  });

  it('a source that fails shows its reason; without an OpenAI key the page says search is BM25 only', async () => {
    await page.getByText('Page', { exact: true }).click();
    await page.getByLabel('Page address').fill(`${site.url}/to-metadata`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page
      .getByTestId('knowledge-source-error')
      .filter({ hasText: 'refused: 169.254.169.254 is a link-local address (cloud metadata)' })
      .waitFor({ timeout: 20_000 });
    await w.h.api.http().delete(`${w.ws}/secrets/openai_api_key`).set('Cookie', w.owner.cookie).expect(204);
    await page.reload();
    await page.getByTestId('knowledge-bm25-note').waitFor({ timeout: 20_000 });
    await browser.shot('41-knowledge-bm25-failed-source');
    // Cross-origin calls to the node that failed on purpose are none: every call above succeeded.
    expect(browser.errors.filter((e) => !e.includes('/v1/knowledge'))).toEqual([]);
  });

  it('the control plane never saw the documents', async () => {
    const dump = await databaseDump(w.h.api);
    const logs = w.h.logs.join('');
    expect(logs).not.toContain('/v1/knowledge');
    expect(leaks([HANDBOOK_FACT, 'A full overhaul costs 140 pounds'], { pg_dump: dump, logs })).toEqual([]);
  });
});
