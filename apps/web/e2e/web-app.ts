// The journeys need the whole control plane: e2e specs start the real API (not app code).
import { type BillingHarness, startBillingHarness } from '../../api/test/billing';
import { type Browser, launchBrowser } from './browser';
import { ensureWebBuild } from './web-build';

/** The real API with the Stripe and mail sandbox serving the production build, and a fresh browser. */
export interface WebApp {
  harness: BillingHarness;
  browser: Browser;
  /** The API's URL, which serves the web app too. */
  base: string;
  /** Closes both and prints where the screenshots went and the page errors seen. */
  close(): Promise<void>;
}

export async function startWebApp(): Promise<WebApp> {
  ensureWebBuild();
  const harness = await startBillingHarness();
  let browser: Browser;
  try {
    browser = await launchBrowser();
  } catch (error) {
    await harness.close();
    throw error;
  }
  return {
    harness,
    browser,
    base: harness.api.url,
    async close() {
      await browser.close();
      await harness.close();
      process.stdout.write(`web e2e screenshots: ${browser.screenshotDir}\n${browser.errors.join('\n')}\n`);
    },
  };
}
