import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';

/** Debian's headless chromium through playwright-core, for the specs that complete the sandbox's HTML pages. */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumInstalled = (): boolean => existsSync(CHROMIUM_PATH);

export interface HeadlessChromium {
  /** The browser's one tab. */
  page(): Promise<Page>;
  close(): Promise<void>;
}

/** A fresh profile per launch, so cookies never leak between specs. */
export async function launchHeadlessChromium(options: { javaScriptEnabled?: boolean } = {}): Promise<HeadlessChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'sandbox-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    ...options,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    page: async () => context.pages()[0] ?? (await context.newPage()),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
