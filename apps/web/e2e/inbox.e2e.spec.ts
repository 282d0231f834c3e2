/**
 * The team inbox in a real browser: the web app served by the real API asks it for a node
 * session and then talks to the workspace's real agent node directly (cross-origin, CORS, SSE),
 * while an end user writes through the Telegram stand-in. Afterwards nothing of the
 * conversation is in PostgreSQL, Redis or the control plane's logs.
 */
import type { Page } from 'playwright-core';
// The journey needs the whole control plane and a real node: e2e specs start them (not app code).
import { type AgentsWorkspace, auditActions, startAgentsWorkspace } from '../../api/test/agents-workspace';
import { waitFor } from '../../api/test/agent-node-harness';
import { databaseDump, leaks, redisDump } from '../../api/test/leak-scan';
import { type Browser, launchBrowser } from './browser';
import { ensureWebBuild } from './web-build';

jest.setTimeout(180_000);

const END_USER = {
  hello: 'Hello, is my order 4471 on its way?',
  handoff: 'I would like to talk to a human please',
  queued: 'Are you still there? Checking on order 4471',
  back: 'Thanks, one more question for the bot',
  afterOutage: 'Back again: does 4471 need a signature?',
};
const TEAM = { reply: 'Hi, this is Max from the team: 4471 ships today.', note: 'Called the courier about 4471' };

describe('web app: team inbox talking to the node directly', () => {
  let w: AgentsWorkspace;
  let browser: Browser;
  let page: Page;
  let base: string;

  const sent = async () =>
    (await w.h.providersJson('GET', `/telegram/_test/bots/${w.botToken}/sent`)).messages as { text: string }[];
  const endUserWrites = (text: string) =>
    w.h.providersJson('POST', `/telegram/_test/bots/${w.botToken}/updates`, {
      chatId: 99_001,
      text,
      firstName: 'Grace',
    });
  const sentCount = (n: number) => waitFor(async () => ((await sent()).length === n ? sent() : undefined), 20_000);
  const lastAgentJob = () =>
    w.node.app.internals.db
      .prepare("SELECT state, last_error AS lastError FROM reply_jobs WHERE origin = 'agent' ORDER BY id DESC LIMIT 1")
      .get() as { state: string; lastError: string | null };

  async function signInAs(cookie: string): Promise<void> {
    const [name, value] = cookie.split(';')[0].split('=');
    await browser.context.clearCookies();
    await browser.context.addCookies([{ name, value, url: base, httpOnly: true, sameSite: 'Lax' }]);
    await page.goto(`${base}/workspaces/${w.owner.workspaceId}/inbox`);
    await page.getByTestId('inbox-live').getByText('Live').waitFor({ timeout: 20_000 });
  }

  const conversation = () => page.getByRole('list', { name: 'Conversations' }).getByRole('link', { name: /Grace/ });

  beforeAll(async () => {
    ensureWebBuild();
    w = await startAgentsWorkspace();
    base = w.h.api.url;
    // The agent answers with its model (the OpenAI stand-in), so a hand back shows a real answer.
    await w.h.api
      .http()
      .put(`${w.ws}/secrets/openai_api_key`)
      .set('Cookie', w.adminCookie)
      .send({ value: `sk-inbox${'x'.repeat(30)}` })
      .expect(200);
    browser = await launchBrowser();
    page = browser.page;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  it('an admin keeps a saved reply for the team', async () => {
    await signInAs(w.adminCookie);
    await page.getByRole('button', { name: 'Saved replies & handoff' }).click();
    await page.getByLabel('Shortcode').fill('ships');
    await page.getByLabel('Answer').fill('Hi {{contact.name}}, your order ships today.');
    await page.getByRole('button', { name: 'Add saved reply' }).click();
    await page.getByRole('button', { name: 'Edit /ships' }).waitFor();
    await browser.shot('30-inbox-saved-replies', { fullPage: false });
    await page.keyboard.press('Escape');
  });

  it('a conversation where the end user asks for a human appears live as open, handled by people', async () => {
    await signInAs(w.memberCookie);
    await endUserWrites(END_USER.hello);
    expect((await sentCount(1))[0].text).toContain(END_USER.hello);
    await conversation().waitFor();
    await endUserWrites(END_USER.handoff);
    await sentCount(2);
    await conversation().click();
    await page.getByRole('button', { name: 'Hand back to agent' }).waitFor();
    await page.getByRole('log', { name: 'Messages' }).getByText(END_USER.handoff).waitFor();
    expect(await page.getByLabel('Status').inputValue()).toBe('open');
    await browser.shot('31-inbox-handoff', { fullPage: false });
  });

  it('a member takes over and replies; the end user receives it through Telegram', async () => {
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.getByLabel('Reply').fill(TEAM.reply);
    await page.getByRole('button', { name: 'Send' }).click();
    const messages = await sentCount(3);
    expect(messages[2].text).toBe(TEAM.reply);
    await page.getByRole('log', { name: 'Messages' }).getByText(TEAM.reply).waitFor();
  });

  it('the agent stays silent while the member owns it, even for a reply queued before the takeover', async () => {
    await page.getByRole('button', { name: 'Hand back to agent' }).click();
    await page.getByRole('button', { name: 'Take over' }).waitFor();
    const { worker } = w.node.app.internals;
    worker.setPaused(true);
    await endUserWrites(END_USER.queued);
    await waitFor(() => (lastAgentJob().state === 'pending' ? true : undefined));
    await page.getByRole('button', { name: 'Take over' }).click();
    await page.getByRole('button', { name: 'Hand back to agent' }).waitFor();
    worker.setPaused(false);
    await waitFor(() => (lastAgentJob().lastError === 'handled_by_people' ? true : undefined));
    expect(await sent()).toHaveLength(3);
    await page.getByRole('log', { name: 'Messages' }).getByText(END_USER.queued).waitFor();
  });

  it('after hand back the agent answers again', async () => {
    await page.getByRole('button', { name: 'Hand back to agent' }).click();
    await page.getByRole('button', { name: 'Take over' }).waitFor();
    await endUserWrites(END_USER.back);
    const messages = await sentCount(4);
    expect(messages[3].text).toContain(END_USER.back);
    await page.getByRole('log', { name: 'Messages' }).getByText(messages[3].text).waitFor();
  });

  it('the node stops answering mid-session: the inbox says Reconnecting…, then is live again and shows new messages', async () => {
    const badge = page.getByTestId('inbox-live');
    await w.node.halt();
    await badge.getByText('Reconnecting…').waitFor({ timeout: 20_000 });
    await w.node.restart();
    await badge.getByText('Live').waitFor({ timeout: 40_000 });
    await endUserWrites(END_USER.afterOutage);
    const messages = await sentCount(5);
    await page.getByRole('log', { name: 'Messages' }).getByText(END_USER.afterOutage, { exact: true }).waitFor();
    await page.getByRole('log', { name: 'Messages' }).getByText(messages[4].text).waitFor();
  });

  it('tags, internal notes (never sent) and saved replies by /shortcode', async () => {
    await page.getByLabel('Add tag').fill('vip');
    await page.getByLabel('Add tag').press('Enter');
    await page.getByRole('group', { name: 'Tags' }).getByText('vip').waitFor();

    await page.getByRole('switch', { name: 'Internal note' }).check();
    await page.getByLabel('Reply').fill(TEAM.note);
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByTestId('internal-note').getByText(TEAM.note).waitFor();
    await page.getByRole('switch', { name: 'Internal note' }).uncheck();

    await page.getByLabel('Reply').fill('/shi');
    await page
      .getByRole('listbox', { name: 'Saved replies' })
      .getByRole('option', { name: /\/ships/ })
      .click();
    expect(await page.getByLabel('Reply').inputValue()).toBe('Hi Grace, your order ships today.');
    await page.getByRole('button', { name: 'Send' }).click();
    const messages = await sentCount(6);
    expect(messages[5].text).toBe('Hi Grace, your order ships today.');
    expect(messages.map((m) => m.text)).not.toContain(TEAM.note);
    await browser.shot('32-inbox-conversation', { fullPage: false });
  });

  it('an admin moves it to the trash, restores it, then erases it for good', async () => {
    await signInAs(w.adminCookie);
    await conversation().click();
    await page.getByRole('button', { name: 'Move to trash' }).click();
    await page.getByRole('button', { name: 'Restore' }).waitFor();
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('button', { name: 'Move to trash' }).waitFor();
    await page.getByRole('button', { name: 'Move to trash' }).click();
    await page.getByLabel('Type erase to confirm').fill('erase');
    await browser.shot('33-inbox-erase', { fullPage: false });
    await page.getByRole('button', { name: 'Erase permanently' }).click();
    await waitFor(() =>
      (w.node.app.internals.db.prepare('SELECT COUNT(*) AS n FROM conversations').get() as { n: number }).n === 0
        ? true
        : undefined,
    );
  });

  it('the control plane audits the inbox as metadata only: opened, handoff, trash, restore, erase', async () => {
    await w.node.app.internals.heartbeat.beat(); // the notices ride on the next heartbeat
    const actions = await auditActions(w.h.api, w.owner.workspaceId);
    for (const action of [
      'inbox.opened',
      'inbox.handoff_requested',
      'inbox.conversation_trashed',
      'inbox.conversation_restored',
      'inbox.conversation_erased',
    ])
      expect(actions).toContain(action);
  });

  it('leaves no conversation content in PostgreSQL, Redis or the control plane logs', async () => {
    const texts = [...Object.values(END_USER), ...Object.values(TEAM), 'Grace', 'order ships today'];
    const haystacks = {
      postgres: await databaseDump(w.h.api),
      redis: (await redisDump(w.h.api)).text,
      logs: w.h.logs.join('\n'),
    };
    expect(leaks(texts, haystacks)).toEqual([]);
    // The page may refetch the conversation it just erased (the erase event races the navigation): that 404 is the answer.
    const expected = (e: string) =>
      e.includes('/v1/inbox/events') || /^http 404: GET .*\/v1\/inbox\/conversations\/[0-9a-f-]{36}$/.test(e);
    expect(browser.errors.filter((e) => !expected(e))).toEqual([]);
  });
});
