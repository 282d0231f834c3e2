/**
 * The Account page in a real browser against the real API serving the production build, with an
 * in-process worker: sign-up with the marketing box ticked, edit the name, "Download my data"
 * (built on the worker, downloaded as a zip), see the sole-owner refusal of "Delete my account",
 * transfer the workspace to another member from the Members page, then delete the account. Screenshots land in the run's screenshot directory.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { strFromU8, unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
// The journey needs the whole control plane: e2e specs start the real API and worker (not app code).
import { type ApiHarness, startApiHarness } from '../../api/test/api-harness';
import { eventually } from '../../api/test/eventually';
import { latestMagicLink, signInByEmail } from '../../api/test/sign-in';
import { createWorker } from '../../worker/src/bootstrap';
import { type Browser, launchBrowser } from './browser';
import { ensureWebBuild } from './web-build';

jest.setTimeout(180_000);

const EMAIL = 'rosalind@example.com';

describe('web app: the account page', () => {
  let harness: ApiHarness;
  let worker: INestApplicationContext;
  let browser: Browser;
  let page: Page;
  let workspaceId = '';

  beforeAll(async () => {
    ensureWebBuild();
    harness = await startApiHarness();
    worker = await createWorker({ ...harness.env, LOG_LEVEL: 'silent' });
    await worker.init();
    browser = await launchBrowser();
    page = browser.page;
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await harness?.close();
    process.stdout.write(`account e2e screenshots: ${browser?.screenshotDir}\n`);
  });

  it('signs up by email with the product-news box ticked', async () => {
    await page.goto(`${harness.url}/sign-in`);
    await page.getByLabel(/Send me Enclave product news/).check();
    await page.getByRole('textbox', { name: 'Email' }).fill(EMAIL);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByText('Check your inbox').waitFor();
    await page.goto(await latestMagicLink(harness, EMAIL));
    await page.getByRole('heading', { name: 'Workspaces' }).waitFor();
    const created = await page.request.post(`${harness.url}/api/workspaces`, {
      data: { name: 'Rosalind Lab', slug: 'rosalind-lab' },
    });
    expect(created.status()).toBe(201);
    workspaceId = ((await created.json()) as { id: string }).id;
  });

  it('shows the account from the header menu: profile, consent, sign-in methods, sessions', async () => {
    await page.goto(`${harness.url}/`);
    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Account' }).click();
    await page.waitForURL(/\/account$/);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(await page.getByRole('switch', { name: /product news/ }).isChecked()).toBe(true);
    await page.getByRole('textbox', { name: 'Name' }).fill('Rosalind Franklin');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByRole('button', { name: 'Account menu' }).getByText('Rosalind Franklin').waitFor();
    const identities = page.getByRole('region', { name: 'Sign-in methods' });
    await identities.getByText(EMAIL).waitFor();
    expect(await identities.getByRole('button', { name: 'Unlink' }).isDisabled()).toBe(true);
    await page.getByRole('region', { name: 'Active sessions' }).getByText('This browser').waitFor();
    // Opting out is one click and sticks.
    await page.getByRole('switch', { name: /product news/ }).click({ force: true });
    await eventually(async () => {
      const account = (await (await page.request.get(`${harness.url}/api/account`)).json()) as {
        marketingOptIn: boolean;
      };
      return account.marketingOptIn === false;
    }, 10_000);
  });

  it('downloads my data: built on the worker, a zip of JSON for this account', async () => {
    await page.getByRole('button', { name: 'Download my data' }).click();
    const link = page.getByRole('link', { name: /^Download \(/ });
    await link.waitFor({ timeout: 30_000 });
    await page.evaluate('window.scrollTo(0, 0)');
    await browser.shot('50-account', { fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
    expect(JSON.parse(strFromU8(files['account.json']))).toMatchObject({ email: EMAIL, name: 'Rosalind Franklin' });
    expect(JSON.parse(strFromU8(files['workspaces.json']))).toEqual([expect.objectContaining({ id: workspaceId })]);
  });

  it('refuses to delete the sole owner of a workspace, then deletes after transferring it', async () => {
    const danger = page.getByRole('region', { name: 'Delete my account' });
    await danger.getByRole('textbox').fill(EMAIL);
    await danger.getByRole('button', { name: 'Delete my account' }).click();
    await danger.getByText('Your account was not deleted').waitFor();
    await danger.getByRole('link', { name: 'Rosalind Lab' }).waitFor();
    await page.evaluate('window.scrollTo(0, 0)');
    await browser.shot('51-account-delete-sole-owner', { fullPage: true });
    // Another person with an account joins; the owner hands the workspace over from the Members page.
    await signInByEmail(harness, 'maurice@example.com');
    const invited = await page.request.post(`${harness.url}/api/workspaces/${workspaceId}/members`, {
      data: { email: 'maurice@example.com', role: 'member' },
    });
    expect(invited.status()).toBe(201);
    await danger.getByRole('link', { name: 'Rosalind Lab' }).click();
    await page.waitForURL(/\/members$/);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Transfer ownership' }).click();
    await page.getByRole('button', { name: 'Transfer ownership' }).waitFor({ state: 'detached' });
    await page.evaluate('window.scrollTo(0, 0)');
    await browser.shot('52-members-after-transfer', { fullPage: true });
    await page.goto(`${harness.url}/account`);
    await danger.getByRole('textbox').fill(EMAIL);
    await danger.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL(/\/sign-in$/);
    await page.getByRole('heading', { name: 'Sign in to Enclave' }).waitFor();
    expect((await page.request.get(`${harness.url}/api/me`)).status()).toBe(401);
    // The page's own requests had no failures besides the expected refusal and the signed-out /api/me.
    expect(browser.errors.filter((e) => !/409: DELETE .*\/api\/account$|401: GET .*\/api\/me$/.test(e))).toEqual([]);
  });
});
