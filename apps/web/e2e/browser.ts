import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Where the run's screenshots go: WEB_SCREENSHOT_DIR, else $TMPDIR/enclave-web-screenshots. */
  screenshotDir: string;
  /** Uncaught page errors and console errors, for the test to assert there were none. */
  errors: string[];
  shot(name: string, options?: { fullPage?: boolean }): Promise<string>;
  /** Signs the browser in to the app at `url` with a session cookie (`name=value`, attributes after `;` ignored). */
  signIn(sessionCookie: string, url: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Debian's chromium, headless, with a fresh profile; `npx playwright install` is not needed.
 * A missing browser fails the spec rather than skipping it: a skipped journey would pass CI untested.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no browser at ${CHROMIUM}: run scripts/install-system-deps.sh (or set CHROMIUM_PATH)`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'enclave-chromium-'));
  // One directory for the whole run (every web spec adds its pages); docs/screenshots/ is a copy of it.
  const screenshotDir = process.env.WEB_SCREENSHOT_DIR ?? join(tmpdir(), 'enclave-web-screenshots');
  mkdirSync(screenshotDir, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
    timezoneId: 'UTC',
    locale: 'en-GB',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      errors.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400)
      errors.push(`http ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return {
    context,
    page,
    screenshotDir,
    errors,
    async shot(name, options = {}) {
      const path = join(screenshotDir, `${name}.png`);
      await page.screenshot({ path, fullPage: options.fullPage ?? true, animations: 'disabled' });
      return path;
    },
    async signIn(sessionCookie, url) {
      const [name, value] = sessionCookie.split(';')[0].split('=');
      await context.addCookies([{ name, value, url, httpOnly: true, sameSite: 'Lax' }]);
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
