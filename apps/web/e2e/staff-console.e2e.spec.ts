/**
 * The staff console in a real browser against the real API serving the production build: staff
 * signs in by magic link, filters the audit log to a customer's workspace, sees each step of it,
 * downloads the CSV, pages through many events and opens the queue dashboard. The customer's
 * steps are made through the API here; the customer journey spec makes them in the browser.
 */
import { readFileSync } from 'node:fs';
import { AuditService } from '@enclave/audit';
import type { Page } from 'playwright-core';
import { ownerWithWorkspace, startCheckout } from '../../api/test/billing';
import { latestMagicLink, signInByEmail } from '../../api/test/sign-in';
import { startWebApp, type WebApp } from './web-app';

jest.setTimeout(120_000);

describe('web app: staff console', () => {
  let app: WebApp;
  let page: Page;
  let base: string;
  let workspaceId = '';

  beforeAll(async () => {
    app = await startWebApp();
    ({ base } = app);
    page = app.browser.page;
    // A customer's workspace with a started checkout and a member who accepted the invitation.
    const owner = await ownerWithWorkspace(app.harness, 'acme');
    workspaceId = owner.workspaceId;
    await startCheckout(app.harness, owner);
    await app.harness.api
      .http()
      .post(`/api/workspaces/${workspaceId}/members`)
      .set('Cookie', owner.cookie)
      .send({ email: 'max@example.com', role: 'member' })
      .expect(201);
    await signInByEmail(app.harness.api, 'max@example.com');
  });
  afterAll(() => app?.close());

  it('staff signs in with an email link', async () => {
    await page.goto(`${base}/`);
    await page.waitForURL(/\/sign-in/);
    await page.getByRole('textbox', { name: 'Email' }).fill('staff@enclave.test');
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByText('Check your inbox').waitFor();
    await app.browser.shot('13-sign-in-link-sent');
    await page.goto(await latestMagicLink(app.harness.api, 'staff@enclave.test'));
    await page.getByRole('link', { name: 'Staff console' }).click();
    await page.getByRole('heading', { name: 'Staff console' }).waitFor();
    await page.getByTestId('chain-status').getByText('Chain intact').waitFor();
  });

  it('filters the audit log to the workspace and sees each step', async () => {
    await page.getByLabel('Workspace id').fill(workspaceId);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(new RegExp(`workspaceId=${workspaceId}`));
    // The unfiltered table stays on screen until the filtered page arrives: wait for every row to be this workspace's.
    await page.waitForFunction(
      (shortId) => {
        const { document } = globalThis as unknown as {
          document: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> };
        };
        const cells = Array.from(document.querySelectorAll('[data-testid="audit-table"] tbody tr td:nth-child(4)'));
        return cells.length > 0 && cells.every((cell) => cell.textContent?.trim() === shortId);
      },
      workspaceId.slice(0, 8),
    );
    for (const action of [
      'workspace.created',
      'billing.checkout_started',
      'invitation.created',
      'invitation.accepted',
    ]) {
      await page.locator(`tr[data-action="${action}"]`).first().waitFor();
    }
    const workspaces = await page.locator('[data-testid="audit-table"] tbody tr td:nth-child(4)').allInnerTexts();
    expect(new Set(workspaces)).toEqual(new Set([workspaceId.slice(0, 8)]));
    await page.getByTestId('audit-end').waitFor();
    await app.browser.shot('14-staff-audit-filtered');

    // Narrow to one action family.
    await page.getByLabel('Action').fill('invitation.');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/action=invitation\./);
    await page.locator('tr[data-action="workspace.created"]').waitFor({ state: 'detached' });
    await page.locator('tr[data-action="invitation.created"]').waitFor();
    // A malformed filter is refused in the form, before any request.
    await page.getByLabel('Action').fill('Not An Action!');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('Lower-case letters, dots and underscores', { exact: false }).waitFor();
    await page.getByLabel('Action').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL((url) => !url.search.includes('action='));
  });

  it('downloads the filtered CSV', async () => {
    const link = page.getByTestId('csv-download');
    await page.waitForFunction((id) => {
      const href =
        (
          globalThis as unknown as {
            document: { querySelector(s: string): { getAttribute(a: string): string | null } | null };
          }
        ).document
          .querySelector('[data-testid="csv-download"]')
          ?.getAttribute('href') ?? '';
      return href.includes(`workspaceId=${id}`) && !href.includes('action=');
    }, workspaceId);
    expect(await link.getAttribute('href')).toBe(`/api/staff/audit-events/export.csv?workspaceId=${workspaceId}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv-download').click()]);
    expect(download.suggestedFilename()).toBe('enclave-audit-events.csv');
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toContain('occurredAt');
    expect(csv.length).toBeGreaterThan(3);
    for (const row of csv.slice(1)) expect(row).toContain(workspaceId);
    expect(csv.some((row) => row.includes('workspace.created'))).toBe(true);
  });

  it('pages through many events with "load more" (keyset)', async () => {
    const audit = app.harness.api.app.get(AuditService);
    for (let i = 0; i < 55; i += 1) {
      await audit.recordAlone({
        actor: { type: 'system', id: null },
        action: 'health.swept',
        workspaceId,
        details: { round: i },
      });
    }
    await page.goto(`${base}/staff/audit?workspaceId=${workspaceId}&action=health.swept`);
    await page.getByRole('button', { name: 'Load more' }).waitFor();
    expect(await page.locator('tr[data-action="health.swept"]').count()).toBe(50);
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByTestId('audit-end').getByText('55 events').waitFor();
    expect(await page.locator('tr[data-action="health.swept"]').count()).toBe(55);
  });

  it('opens the bull-board queue dashboard behind staff auth', async () => {
    const response = await page.request.get(`${base}/api/staff/queues`);
    expect(response.status()).toBe(200);
    expect(await response.text()).toContain('<div id="root">');
    await page.getByRole('tab', { name: 'Queues' }).click();
    await page.waitForURL(/\/staff\/queues$/);
    const board = page.frameLocator('iframe[title="Queue dashboard"]');
    await board.getByText('provisioning', { exact: true }).first().click({ timeout: 20_000 });
    await board.getByText('Completed', { exact: false }).first().waitFor({ timeout: 20_000 });
    await app.browser.shot('15-staff-queues');
  });
});
