import { OAuth2 } from 'oauth';
import { Strategy as GitHubStrategy, type Profile } from 'passport-github2';
import { runStrategy } from '../passport-steps';
import { type RunningSandbox, startSandbox } from '../sandbox';
import { GITHUB_DEFAULT_CLIENT, githubStandIn } from './github.stand-in';

describe('GitHub OAuth stand-in', () => {
  let sandbox: RunningSandbox;
  let strategy: GitHubStrategy;

  beforeAll(async () => {
    sandbox = await startSandbox([githubStandIn()], 0);
    strategy = new GitHubStrategy(
      {
        clientID: GITHUB_DEFAULT_CLIENT.clientId,
        clientSecret: GITHUB_DEFAULT_CLIENT.clientSecret,
        callbackURL: 'http://127.0.0.1:9/auth/github/callback',
        scope: ['user:email'],
        state: true,
        authorizationURL: `${sandbox.url}/github/login/oauth/authorize`,
        tokenURL: `${sandbox.url}/github/login/oauth/access_token`,
        userProfileURL: `${sandbox.url}/github/api/user`,
        userEmailURL: `${sandbox.url}/github/api/user/emails`,
      } as never,
      (_accessToken: string, _refreshToken: string, profile: Profile, done: (err: unknown, user?: unknown) => void) =>
        done(null, profile),
    );
  });
  afterAll(() => sandbox.close());

  it('runs the whole passport-github2 flow through the sign-in page form', async () => {
    const session: Record<string, unknown> = {};
    const first = await runStrategy(strategy, {
      query: {},
      session,
      url: '/auth/github',
      headers: { host: '127.0.0.1' },
    });
    expect(first.kind).toBe('redirect');
    const authorizeUrl = new URL((first as { url: string }).url);
    const state = authorizeUrl.searchParams.get('state');
    expect(state).toBeTruthy();

    const page = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Sign in as alice');
    expect(html).toContain('<form method="post"');

    // Submit the form exactly as a browser would.
    const form = new URLSearchParams({
      client_id: authorizeUrl.searchParams.get('client_id') ?? '',
      redirect_uri: authorizeUrl.searchParams.get('redirect_uri') ?? '',
      state: state ?? '',
      scope: authorizeUrl.searchParams.get('scope') ?? '',
      login: 'alice',
    });
    const approved = await fetch(`${sandbox.url}/github/login/oauth/authorize`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    expect(approved.status).toBe(302);
    const callback = new URL(approved.headers.get('location') ?? '');
    expect(callback.origin + callback.pathname).toBe('http://127.0.0.1:9/auth/github/callback');
    expect(callback.searchParams.get('state')).toBe(state);
    const code = callback.searchParams.get('code') ?? '';

    const second = await runStrategy(strategy, {
      query: { code, state: state ?? '' },
      session,
      url: `/auth/github/callback${callback.search}`,
      headers: { host: '127.0.0.1' },
    });
    expect(second.kind).toBe('success');
    const profile = (second as { user: Profile }).user;
    expect(profile.provider).toBe('github');
    expect(profile.id).toBe('1001');
    expect(profile.username).toBe('alice');
    expect(profile.displayName).toBe('Alice Example');
    expect(profile.emails).toEqual([{ value: 'alice@example.com' }]);

    // The code is single-use.
    const replay = await runStrategy(strategy, {
      query: { code, state: state ?? '' },
      session: { ...session },
      url: '/cb',
      headers: { host: '127.0.0.1' },
    });
    expect(replay.kind).not.toBe('success');
  });

  it('exchanges codes with the oauth client (urlencoded) and JSON, checks the secret and expiry', async () => {
    const authorize = async (extra: Record<string, string> = {}) => {
      const url = new URL(`${sandbox.url}/github/login/oauth/authorize`);
      const params = {
        client_id: GITHUB_DEFAULT_CLIENT.clientId,
        redirect_uri: 'http://127.0.0.1:9/cb',
        state: 'st-1',
        scope: 'read:user user:email',
        login_hint: 'carol@example.org',
        ...extra,
      };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location') ?? '');
      expect(location.searchParams.get('state')).toBe('st-1');
      return location.searchParams.get('code') ?? '';
    };

    const oauthCode = await authorize();
    const oauth = new OAuth2(
      GITHUB_DEFAULT_CLIENT.clientId,
      GITHUB_DEFAULT_CLIENT.clientSecret,
      '',
      `${sandbox.url}/github/login/oauth/authorize`,
      `${sandbox.url}/github/login/oauth/access_token`,
    );
    const token: string = await new Promise((resolve, reject) =>
      oauth.getOAuthAccessToken(
        oauthCode,
        { redirect_uri: 'http://127.0.0.1:9/cb' },
        (err, accessToken, _refresh, results) => {
          if (err) return reject(err);
          expect(results?.token_type).toBe('bearer');
          expect(results?.scope).toBe('read:user,user:email');
          resolve(accessToken ?? '');
        },
      ),
    );
    expect(token).toMatch(/^gho_/);

    async function exchangeJson(body: Record<string, string>): Promise<Record<string, string>> {
      const res = await fetch(`${sandbox.url}/github/login/oauth/access_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, string>;
    }
    const code = await authorize();
    const wrongSecret = await exchangeJson({ client_id: GITHUB_DEFAULT_CLIENT.clientId, client_secret: 'nope', code });
    expect(wrongSecret.error).toBe('incorrect_client_credentials');
    const ok = await exchangeJson({
      client_id: GITHUB_DEFAULT_CLIENT.clientId,
      client_secret: GITHUB_DEFAULT_CLIENT.clientSecret,
      code,
    });
    expect(ok.access_token).toMatch(/^gho_/);
    const again = await exchangeJson({
      client_id: GITHUB_DEFAULT_CLIENT.clientId,
      client_secret: GITHUB_DEFAULT_CLIENT.clientSecret,
      code,
    });
    expect(again.error).toBe('bad_verification_code');

    // The new user carol was created from the email, with a verified primary email.
    const user = await fetch(`${sandbox.url}/github/api/user`, {
      headers: { authorization: `token ${ok.access_token}` },
    });
    expect(user.status).toBe(200);
    expect(user.headers.get('x-oauth-scopes')).toBe('read:user, user:email');
    const userJson = (await user.json()) as Record<string, unknown>;
    expect(userJson).toMatchObject({ login: 'carol', email: 'carol@example.org', type: 'User' });
    expect(typeof userJson.id).toBe('number');
    const emails = await fetch(`${sandbox.url}/github/api/user/emails`, {
      headers: { authorization: `Bearer ${ok.access_token}` },
    });
    expect(await emails.json()).toEqual([
      { email: 'carol@example.org', primary: true, verified: true, visibility: 'public' },
      {
        email: `${String(userJson.id)}+carol@users.noreply.github.com`,
        primary: false,
        verified: true,
        visibility: null,
      },
    ]);
  });

  it('rejects bad tokens, unknown clients and missing redirect_uri', async () => {
    const unauth = await fetch(`${sandbox.url}/github/api/user`);
    expect(unauth.status).toBe(401);
    expect(await unauth.json()).toMatchObject({ message: 'Requires authentication' });
    const bad = await fetch(`${sandbox.url}/github/api/user`, { headers: { authorization: 'token gho_nope' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ message: 'Bad credentials' });

    const unknownClient = await fetch(
      `${sandbox.url}/github/login/oauth/authorize?client_id=nope&redirect_uri=http://x/cb`,
      { redirect: 'manual' },
    );
    expect(unknownClient.status).toBe(404);
    const badJson = await fetch(`${sandbox.url}/github/login/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ message: 'Problems parsing JSON' });
    const badHint = await fetch(
      `${sandbox.url}/github/login/oauth/authorize?client_id=${GITHUB_DEFAULT_CLIENT.clientId}&redirect_uri=http://x/cb&login_hint=${encodeURIComponent('not a login!')}`,
      { redirect: 'manual' },
    );
    expect(badHint.status).toBe(400);
    const noRedirect = await fetch(
      `${sandbox.url}/github/login/oauth/authorize?client_id=${GITHUB_DEFAULT_CLIENT.clientId}`,
      { redirect: 'manual' },
    );
    expect(noRedirect.status).toBe(400);
  });

  it('denies, registers users and auto-approves for automated tests', async () => {
    const deny = await fetch(`${sandbox.url}/github/login/oauth/authorize`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: GITHUB_DEFAULT_CLIENT.clientId,
        redirect_uri: 'http://127.0.0.1:9/cb',
        state: 's',
        decision: 'deny',
        login: '-',
      }),
      redirect: 'manual',
    });
    const denied = new URL(deny.headers.get('location') ?? '');
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe('s');

    const created = await fetch(`${sandbox.url}/github/_test/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'dave', email: 'dave@example.com', name: 'Dave', emailVerified: false }),
    });
    expect(created.status).toBe(201);
    await fetch(`${sandbox.url}/github/_test/auto-approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'dave' }),
    });
    const res = await fetch(
      `${sandbox.url}/github/login/oauth/authorize?client_id=${GITHUB_DEFAULT_CLIENT.clientId}&redirect_uri=http://127.0.0.1:9/cb&state=z&scope=user:email`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(302);
    await fetch(`${sandbox.url}/github/_test/auto-approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: null }),
    });
    const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const tokenRes = await fetch(`${sandbox.url}/github/login/oauth/access_token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: GITHUB_DEFAULT_CLIENT.clientId,
        client_secret: GITHUB_DEFAULT_CLIENT.clientSecret,
        code,
      }),
    });
    expect(tokenRes.headers.get('content-type')).toContain('application/x-www-form-urlencoded');
    const token = new URLSearchParams(await tokenRes.text()).get('access_token');
    const emails = await fetch(`${sandbox.url}/github/api/user/emails`, {
      headers: { authorization: `token ${token}` },
    });
    expect(((await emails.json()) as Array<{ verified: boolean }>)[0].verified).toBe(false);
  });

  it('lets codes expire', async () => {
    const short = await startSandbox([githubStandIn({ codeTtlMs: 20 })], 0);
    try {
      const res = await fetch(
        `${short.url}/github/login/oauth/authorize?client_id=${GITHUB_DEFAULT_CLIENT.clientId}&redirect_uri=http://127.0.0.1:9/cb&login_hint=alice`,
        { redirect: 'manual' },
      );
      const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
      await new Promise((r) => setTimeout(r, 40));
      const token = await fetch(`${short.url}/github/login/oauth/access_token`, {
        method: 'POST',
        headers: { accept: 'application/json' },
        body: new URLSearchParams({
          client_id: GITHUB_DEFAULT_CLIENT.clientId,
          client_secret: GITHUB_DEFAULT_CLIENT.clientSecret,
          code,
        }),
      });
      expect(await token.json()).toMatchObject({ error: 'bad_verification_code' });
    } finally {
      await short.close();
    }
  });
});
