import { googleStandIn, GOOGLE_DEFAULT_CLIENT } from '../google/google.stand-in';
import { CHROMIUM_PATH, chromiumInstalled, type HeadlessChromium, launchHeadlessChromium } from '../headless-chromium';
import { type RunningSandbox, startSandbox } from '../sandbox';
import { GITHUB_DEFAULT_CLIENT, githubStandIn } from './github.stand-in';

// A missing browser fails this spec rather than skipping it: CI must not pass these pages untested.
if (!chromiumInstalled()) throw new Error(`no browser at ${CHROMIUM_PATH}: run scripts/install-system-deps.sh`);

/** The OAuth sign-in pages, completed in a real (headless) browser: plain forms, no script. */
describe('OAuth sign-in pages in a browser', () => {
  let sandbox: RunningSandbox;
  let browser: HeadlessChromium;

  beforeAll(async () => {
    sandbox = await startSandbox([githubStandIn(), googleStandIn()], 0);
    browser = await launchHeadlessChromium({ javaScriptEnabled: false });
  });
  afterAll(async () => {
    await browser?.close();
    await sandbox.close();
  });

  /** The callback target: the sandbox's own /healthz stands in for the app, we only read the URL. */
  const callback = () => `${sandbox.url}/healthz`;

  /** Who the GitHub page signed in: the callback's code exchanged for a token, as the app would. */
  async function githubUser(callbackUrl: string): Promise<{ login: string; email: string | null }> {
    const code = new URL(callbackUrl).searchParams.get('code') ?? '';
    const token = (await (
      await fetch(`${sandbox.url}/github/login/oauth/access_token`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: GITHUB_DEFAULT_CLIENT.clientId,
          client_secret: GITHUB_DEFAULT_CLIENT.clientSecret,
          code,
        }),
      })
    ).json()) as { access_token: string };
    const user = await fetch(`${sandbox.url}/github/api/user`, {
      headers: { authorization: `token ${token.access_token}` },
    });
    return (await user.json()) as { login: string; email: string | null };
  }

  it('signs in on the GitHub page with a listed user and with a typed email', async () => {
    const page = await browser.page();
    const url = `${sandbox.url}/github/login/oauth/authorize?client_id=${GITHUB_DEFAULT_CLIENT.clientId}&redirect_uri=${encodeURIComponent(callback())}&state=abc&scope=user:email`;
    await page.goto(url);
    await page.getByRole('button', { name: /Sign in as bob/ }).click();
    await page.waitForURL(/\/healthz\?code=[0-9a-f]+&state=abc$/);
    expect(await githubUser(page.url())).toMatchObject({ login: 'bob' });

    await page.goto(url);
    await page.getByLabel('Login or email').fill('new.person@example.org');
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL(/\/healthz\?code=[0-9a-f]+&state=abc$/);
    expect(await githubUser(page.url())).toMatchObject({ login: 'new-person', email: 'new.person@example.org' });
  });

  it('signs in on the Google account chooser', async () => {
    const page = await browser.page();
    await page.goto(
      `${sandbox.url}/google/o/oauth2/v2/auth?response_type=code&client_id=${GOOGLE_DEFAULT_CLIENT.clientId}&redirect_uri=${encodeURIComponent(callback())}&scope=openid%20email&state=xyz`,
    );
    await page.getByRole('button', { name: /alice@example.com/ }).click();
    await page.waitForURL(/\/healthz\?state=xyz&code=/);
    // The callback's code, exchanged as the app would, names the account chosen on the page.
    const token = await fetch(`${sandbox.url}/google/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: new URL(page.url()).searchParams.get('code') ?? '',
        redirect_uri: callback(),
        client_id: GOOGLE_DEFAULT_CLIENT.clientId,
        client_secret: GOOGLE_DEFAULT_CLIENT.clientSecret,
      }),
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const userinfo = await fetch(`${sandbox.url}/google/oauth2/v3/userinfo`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(await userinfo.json()).toMatchObject({ email: 'alice@example.com', email_verified: true });
  });
});
