/**
 * The website chat widget in a real browser: a host page on another loopback origin embeds the
 * snippet; the panel is framed from the workspace's real agent node, talks to it directly (POST
 * + SSE), and a member answers from the dashboard's inbox. Afterwards nothing of the
 * conversation is in PostgreSQL, Redis or the control plane's logs.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FrameLocator, Page } from 'playwright-core';
import { DEFAULT_WIDGET_SETTINGS } from '@enclave/node-protocol';
import { type AgentsWorkspace, startAgentsWorkspace } from '../../api/test/agents-workspace';
import { databaseDump, leaks, redisDump } from '../../api/test/leak-scan';
import { type Browser, launchBrowser } from './browser';
import { ensureWebBuild } from './web-build';

jest.setTimeout(240_000);

const VISITOR = {
  name: 'Grace Widgetvisitor',
  hello: 'Hello from the website, is order 5582 shipped?',
  xss: '<img src=x onerror="window.__pwned=1">5582 <b>bold</b>',
  private: 'Just browsing privately about order 7713',
  midReply: 'Tell me about the returns policy for order 6620',
  polled: 'Checking order 8841 from a network without SSE',
  verified: 'Signed in and asking about order 3307',
};
const TEAM = { reply: 'Hi Grace, this is Max from the team: 5582 left today.' };

/** A page on its own loopback origin that embeds the snippet (or tries to, when not allowed). */
async function hostPage(snippet: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    // `/signed-in?uid=…&uh=…`: the customer's page for a signed-in user (its server computed the hash).
    const url = new URL(req.url ?? '/', 'http://host.invalid');
    const identity =
      url.pathname === '/signed-in'
        ? `<script>window.EnclaveWidget = ${JSON.stringify({ userId: url.searchParams.get('uid'), userHash: url.searchParams.get('uh') }).replace(/</g, '\\u003c')};</script>`
        : '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html><head><title>Shop</title></head><body><h1>Demo shop</h1><p>Our products.</p>${identity}${snippet}</body></html>`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://localhost:${(server.address() as AddressInfo).port}` };
}

describe('website chat widget: embedded on another origin, served by the node', () => {
  let w: AgentsWorkspace;
  let browser: Browser;
  let page: Page;
  let host: { server: Server; origin: string };
  let stranger: { server: Server; origin: string };
  let identitySecret = '';
  const panel = (): FrameLocator => page.frameLocator('iframe[title="Chat with us"]');
  const log = () => panel().getByRole('log', { name: 'Messages' });
  const openPanel = async () => {
    await page.getByRole('button', { name: 'Chat with us' }).click();
    await panel().getByRole('heading', { name: 'Chat with us' }).waitFor();
  };
  const write = async (text: string) => {
    await panel().getByLabel('Message', { exact: true }).fill(text);
    await panel().getByRole('button', { name: 'Send' }).click();
  };
  /** What the host page and the panel's frame hold in the browser (the frame asks the page to keep its state). */
  const hostStorage = () => page.evaluate('localStorage.length + sessionStorage.length') as Promise<number>;
  const panelFrame = () => page.frames().find((f) => f.url().includes('/widget/frame'));
  const hub = () =>
    (w.node.app['run'] as unknown as { capabilities: { widget: { hub: { closeAll(): void; openStreams(): number } } } })
      .capabilities.widget.hub;
  const conversations = () =>
    (
      w.node.app.internals.db
        .prepare(
          "SELECT COUNT(*) AS n FROM conversations c JOIN channels ch ON ch.id = c.channel_id WHERE ch.type = 'web'",
        )
        .get() as { n: number }
    ).n;

  beforeAll(async () => {
    ensureWebBuild();
    w = await startAgentsWorkspace();
    await w.h.api
      .http()
      .put(`${w.ws}/secrets/openai_api_key`)
      .set('Cookie', w.adminCookie)
      .send({ value: `sk-widget${'x'.repeat(30)}` })
      .expect(200);
    const snippet = `<script async src="${w.node.url}/widget.js"></script>`;
    host = await hostPage(snippet);
    stranger = await hostPage(snippet);
    const put = await w.h.api
      .http()
      .put(`${w.ws}/widget`)
      .set('Cookie', w.adminCookie)
      .send({
        agentId: w.agentId,
        settings: {
          ...DEFAULT_WIDGET_SETTINGS,
          allowedOrigins: [host.origin],
          prechat: { name: 'required', email: 'optional', phone: 'off' },
        },
      })
      .expect(200);
    expect(put.body.delivery).toBe('delivered');
    expect(put.body.widget.snippet).toBe(snippet);
    // Streamed replies arrive slowly enough to be seen (and cut) mid-way.
    await w.h.providersJson('POST', '/openai/_test/faults', { chunkDelayMs: 120 });
    browser = await launchBrowser();
    page = browser.page;
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    host?.server.close();
    stranger?.server.close();
    await w?.close();
  });

  it('the visitor accepts consent, fills the pre-chat form, writes and sees the reply stream in', async () => {
    await page.goto(host.origin);
    await openPanel();
    expect(await hostStorage()).toBe(0);
    await panel().getByRole('button', { name: 'Accept' }).click();
    await panel().getByLabel('Name *').fill(VISITOR.name);
    await panel().getByRole('button', { name: 'Start chat' }).click();
    await write(VISITOR.hello);
    await log().locator('.streaming').first().waitFor({ timeout: 20_000 });
    await log().locator('.msg.agent:not(.streaming)', { hasText: VISITOR.hello }).waitFor({ timeout: 20_000 });
    expect(await log().locator('.streaming').count()).toBe(0);
    expect(await hostStorage()).toBe(1);
    await browser.shot('70-widget-on-page', { fullPage: false });
  });

  it('HTML in a message is shown as text', async () => {
    await write(VISITOR.xss);
    await log().getByText(VISITOR.xss, { exact: true }).waitFor();
    expect(await panelFrame()?.evaluate('window.__pwned')).toBeUndefined();
  });

  it('after a reload the conversation resumes, nothing lost or shown twice', async () => {
    await log().locator('.msg.agent', { hasText: 'bold' }).waitFor({ timeout: 20_000 });
    await page.reload();
    await openPanel();
    await log().getByText(VISITOR.hello, { exact: true }).waitFor();
    expect(await log().getByText(VISITOR.hello, { exact: true }).count()).toBe(1);
    expect(await log().locator('.msg.visitor').count()).toBe(2);
    expect(await log().locator('.msg.agent').count()).toBe(3); // greeting + two replies
  });

  it('killing the SSE connection mid-reply loses nothing', async () => {
    await write(VISITOR.midReply);
    await log().locator('.streaming').first().waitFor({ timeout: 20_000 });
    const before = hub().openStreams();
    expect(before).toBeGreaterThan(0);
    hub().closeAll();
    await log().locator('.msg.agent:not(.streaming)', { hasText: VISITOR.midReply }).waitFor({ timeout: 30_000 });
    expect(await log().locator('.msg.agent:not(.streaming)', { hasText: VISITOR.midReply }).count()).toBe(1);
    expect(await log().getByText(VISITOR.midReply, { exact: true }).count()).toBe(1);
  });

  it('a member sees it in the inbox and replies into the open widget', async () => {
    const dashboard = await browser.context.newPage();
    await browser.signIn(w.memberCookie, w.h.api.url);
    await dashboard.goto(`${w.h.api.url}/workspaces/${w.owner.workspaceId}/inbox?status=all`);
    await dashboard.getByTestId('inbox-live').getByText('Live').waitFor({ timeout: 20_000 });
    await dashboard
      .getByRole('list', { name: 'Conversations' })
      .getByRole('link', { name: /Grace Widgetvisitor/ })
      .click();
    await dashboard.getByRole('log', { name: 'Messages' }).getByText(VISITOR.hello, { exact: true }).waitFor();
    const takeOver = dashboard.getByRole('button', { name: /Take over|Assign to me/ }).first();
    if (await takeOver.isVisible()) await takeOver.click();
    await dashboard.getByLabel('Reply').fill(TEAM.reply);
    await dashboard.getByRole('button', { name: 'Send' }).click();
    await log().locator('.msg.team', { hasText: TEAM.reply }).waitFor({ timeout: 20_000 });
    await dashboard.close();
  });

  it('declining consent leaves no cookie or storage, and a reload starts fresh', async () => {
    await page.evaluate('localStorage.clear()');
    await browser.context.clearCookies();
    await page.reload();
    await openPanel();
    await panel().getByRole('button', { name: 'Decline' }).click();
    await panel().getByLabel('Name *').fill('Anonymous Visitor');
    await panel().getByRole('button', { name: 'Start chat' }).click();
    await write(VISITOR.private);
    await log().locator('.msg.agent:not(.streaming)', { hasText: VISITOR.private }).waitFor({ timeout: 20_000 });
    expect(await hostStorage()).toBe(0);
    expect(await browser.context.cookies()).toEqual([]);
    await page.reload();
    await openPanel();
    await panel().getByRole('button', { name: 'Decline' }).waitFor();
    expect(await log().getByText(VISITOR.private).count()).toBe(0);
  });

  it('where SSE is blocked the panel long-polls and the reply still arrives', async () => {
    const polling = await browser.context.newPage();
    await polling.addInitScript('delete window.EventSource'); // every frame of this page: no SSE
    const polls: string[] = [];
    polling.on('request', (r) => {
      if (r.url().includes('/poll?')) polls.push(r.url());
    });
    await polling.goto(host.origin);
    await polling.getByRole('button', { name: 'Chat with us' }).click();
    const frame = polling.frameLocator('iframe[title="Chat with us"]');
    await frame.getByRole('button', { name: 'Accept' }).click();
    await frame.getByLabel('Name *').fill('Polling Visitor');
    await frame.getByRole('button', { name: 'Start chat' }).click();
    await frame.getByLabel('Message', { exact: true }).fill(VISITOR.polled);
    await frame.getByRole('button', { name: 'Send' }).click();
    await frame
      .getByRole('log', { name: 'Messages' })
      .locator('.msg.agent', { hasText: VISITOR.polled })
      .waitFor({ timeout: 30_000 });
    expect(polls.length).toBeGreaterThan(0);
    await polling.close();
  });

  it('a page on a non-allowed origin cannot open the panel or post', async () => {
    const before = conversations();
    const other = await browser.context.newPage();
    await other.goto(stranger.origin);
    await other.waitForTimeout(1500);
    expect(await other.getByRole('button', { name: 'Chat with us' }).count()).toBe(0);
    // Framing the panel directly is refused by frame-ancestors; posting is refused by Origin.
    await other.evaluate(`(() => {
      const frame = document.createElement('iframe');
      frame.src = ${JSON.stringify(`${w.node.url}/widget/frame`)};
      document.body.appendChild(frame);
      return fetch(${JSON.stringify(`${w.node.url}/widget/api/conversations`)}, {
        method: 'POST',
        mode: 'no-cors',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ message: { text: 'hello', clientId: 'abcdefgh12' }, prechat: { name: 'x' } }),
      }).then(() => true);
    })()`);
    await other.waitForTimeout(1500);
    expect(await other.frameLocator('iframe').getByRole('heading', { name: 'Chat with us' }).count()).toBe(0);
    const refused = await fetch(`${w.node.url}/widget/api/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: stranger.origin },
      body: JSON.stringify({ message: { text: 'hello', clientId: 'abcdefgh12' }, prechat: { name: 'x' } }),
    });
    expect(refused.status).toBe(403);
    expect(conversations()).toBe(before);
    await other.close();
  });

  it('the dashboard shows the settings, a live preview and the snippet', async () => {
    const dashboard = await browser.context.newPage();
    await browser.signIn(w.adminCookie, w.h.api.url);
    await dashboard.goto(`${w.h.api.url}/workspaces/${w.owner.workspaceId}/widget`);
    expect(await dashboard.getByTestId('widget-snippet').inputValue()).toBe(
      `<script async src="${w.node.url}/widget.js"></script>`,
    );
    await dashboard.getByLabel('Title').fill('Talk to Demo shop');
    await dashboard.getByRole('img', { name: 'Widget preview' }).getByText('Talk to Demo shop').waitFor();
    await dashboard.getByRole('button', { name: 'Create secret' }).click();
    const secret = await dashboard.getByRole('textbox', { name: 'New secret (shown once)' }).inputValue();
    identitySecret = secret;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await dashboard.setViewportSize({ width: 1280, height: 1300 });
    await dashboard.screenshot({
      path: `${browser.screenshotDir}/71-widget-settings.png`,
      fullPage: true,
      animations: 'disabled',
    });
    await dashboard.close();
    // The secret reaches the node (delivered like every secret); the control plane keeps its mask only.
    const records = (await w.h.api.dataSource.query(
      "SELECT mask, status FROM secret_records WHERE kind = 'widget_identity_secret' AND workspace_id = $1",
      [w.owner.workspaceId],
    )) as Array<{ mask: string; status: string }>;
    expect(records).toEqual([{ mask: expect.any(String), status: 'delivered' }]);
    expect(await databaseDump(w.h.api)).not.toContain(secret);
  });

  it('with identity verification on, only a signed-in page with a valid hash can chat', async () => {
    await w.h.api
      .http()
      .put(`${w.ws}/widget`)
      .set('Cookie', w.adminCookie)
      .send({
        agentId: w.agentId,
        settings: { ...DEFAULT_WIDGET_SETTINGS, allowedOrigins: [host.origin], identityVerification: true },
      })
      .expect(200);
    const visit = async (path: string) => {
      const visitor = await browser.context.newPage();
      await visitor.goto(`${host.origin}${path}`);
      await visitor.evaluate('localStorage.clear()');
      await visitor.reload();
      await visitor.getByRole('button', { name: 'Chat with us' }).click();
      const frame = visitor.frameLocator('iframe[title="Chat with us"]');
      await frame.getByRole('button', { name: 'Accept' }).click();
      await frame.getByRole('button', { name: 'Start chat' }).click(); // name and email are optional here
      await frame.getByLabel('Message', { exact: true }).fill(VISITOR.verified);
      await frame.getByRole('button', { name: 'Send' }).click();
      return { visitor, frame };
    };
    const anonymous = await visit('/');
    await anonymous.frame.getByRole('alert').getByText('This chat is not available here.').waitFor();
    await anonymous.visitor.close();
    const forged = await visit(
      `/signed-in?uid=u-42&uh=${createHmac('sha256', 'x'.repeat(43)).update('u-42').digest('hex')}`,
    );
    await forged.frame.getByRole('alert').getByText('This chat is not available here.').waitFor();
    await forged.visitor.close();
    const hash = createHmac('sha256', identitySecret).update('u-42').digest('hex');
    const signedIn = await visit(`/signed-in?uid=u-42&uh=${hash}`);
    await signedIn.frame
      .getByRole('log', { name: 'Messages' })
      .locator('.msg.agent', { hasText: VISITOR.verified })
      .waitFor({ timeout: 30_000 });
    await signedIn.visitor.close();
    const row = w.node.app.internals.db
      .prepare('SELECT user_id AS userId FROM widget_conversations WHERE user_id IS NOT NULL')
      .get() as { userId: string };
    expect(row.userId).toBe('u-42');
  });

  it('the API refuses bad settings (400), members (403) and unknown agents, and changes nothing', async () => {
    const good = { agentId: w.agentId, settings: { ...DEFAULT_WIDGET_SETTINGS, allowedOrigins: [host.origin] } };
    const before = (await w.h.api.http().get(`${w.ws}/widget`).set('Cookie', w.memberCookie).expect(200)).body;
    await w.h.api.http().put(`${w.ws}/widget`).set('Cookie', w.memberCookie).send(good).expect(403);
    for (const settings of [
      { ...good.settings, allowedOrigins: ['https://shop.example/path'] },
      { ...good.settings, color: 'red' },
      { ...good.settings, title: '<b>\u0000</b>' },
      { ...good.settings, limits: { ...good.settings.limits, maxMessageLength: 100_000 } },
    ])
      await w.h.api
        .http()
        .put(`${w.ws}/widget`)
        .set('Cookie', w.adminCookie)
        .send({ ...good, settings })
        .expect(400);
    await w.h.api
      .http()
      .put(`${w.ws}/widget`)
      .set('Cookie', w.adminCookie)
      .send({ ...good, agentId: '00000000-0000-4000-8000-000000000000' })
      .expect(400);
    const after = (await w.h.api.http().get(`${w.ws}/widget`).set('Cookie', w.memberCookie).expect(200)).body;
    expect(after).toEqual(before);
  });

  it('counts the widget as channel web and leaves no conversation content in PostgreSQL, Redis or the logs', async () => {
    await w.node.app.internals.heartbeat.beat();
    const usage = (await w.h.api.dataSource.query(
      "SELECT SUM(inbound)::int AS inbound, SUM(outbound)::int AS outbound FROM usage_daily WHERE workspace_id = $1 AND channel = 'web'",
      [w.owner.workspaceId],
    )) as Array<{ inbound: number; outbound: number }>;
    expect(usage[0].inbound).toBeGreaterThanOrEqual(4);
    expect(usage[0].outbound).toBeGreaterThanOrEqual(4);
    const texts = [...Object.values(VISITOR), ...Object.values(TEAM), 'order 5582', 'Widgetvisitor'];
    const haystacks = {
      postgres: await databaseDump(w.h.api),
      redis: (await redisDump(w.h.api)).text,
      logs: w.h.logs.join('\n'),
    };
    expect(leaks(texts, haystacks)).toEqual([]);
  });
});
