import { createHash, createPublicKey, verify } from 'node:crypto';
import { type Profile, Strategy as GoogleStrategy } from 'passport-google-oauth20';
import { runStrategy } from '../passport-steps';
import { type RunningSandbox, startSandbox } from '../sandbox';
import { GOOGLE_DEFAULT_CLIENT, googleStandIn } from './google.stand-in';

describe('Google OAuth stand-in', () => {
  let sandbox: RunningSandbox;
  let strategy: GoogleStrategy;
  let lastParams: Record<string, unknown> = {};

  beforeAll(async () => {
    sandbox = await startSandbox([googleStandIn()], 0);
    strategy = new GoogleStrategy(
      {
        clientID: GOOGLE_DEFAULT_CLIENT.clientId,
        clientSecret: GOOGLE_DEFAULT_CLIENT.clientSecret,
        callbackURL: 'http://127.0.0.1:9/auth/google/callback',
        scope: ['openid', 'email', 'profile'],
        state: true,
        pkce: true,
        authorizationURL: `${sandbox.url}/google/o/oauth2/v2/auth`,
        tokenURL: `${sandbox.url}/google/token`,
        userProfileURL: `${sandbox.url}/google/oauth2/v3/userinfo`,
      } as never,
      ((
        _accessToken: string,
        _refreshToken: string,
        params: Record<string, unknown>,
        profile: Profile,
        done: (err: unknown, user?: unknown) => void,
      ) => {
        lastParams = params;
        done(null, profile);
      }) as never,
    );
  });
  afterAll(() => sandbox.close());

  it('runs the passport-google-oauth20 flow with state + PKCE through the chooser form', async () => {
    const session: Record<string, unknown> = {};
    const first = await runStrategy(strategy, {
      query: {},
      session,
      url: '/auth/google',
      headers: { host: '127.0.0.1' },
    });
    expect(first.kind).toBe('redirect');
    const authorizeUrl = new URL((first as { url: string }).url);
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    const state = authorizeUrl.searchParams.get('state') ?? '';
    expect(state).not.toBe('');

    const page = await fetch(authorizeUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('alice@example.com');

    const form = new URLSearchParams();
    for (const [k, v] of authorizeUrl.searchParams) form.set(k, v);
    form.set('email', 'alice@example.com');
    const approved = await fetch(`${sandbox.url}/google/o/oauth2/v2/auth`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    expect(approved.status).toBe(302);
    const callback = new URL(approved.headers.get('location') ?? '');
    expect(callback.searchParams.get('state')).toBe(state);

    const second = await runStrategy(strategy, {
      query: Object.fromEntries(callback.searchParams),
      session,
      url: `/auth/google/callback${callback.search}`,
      headers: { host: '127.0.0.1' },
    });
    expect(second.kind).toBe('success');
    const profile = (second as { user: Profile }).user;
    expect(profile).toMatchObject({
      provider: 'google',
      id: '110000000000000000001',
      displayName: 'Alice Example',
      emails: [{ value: 'alice@example.com', verified: true }],
      name: { givenName: 'Alice', familyName: 'Example' },
    });

    // The id_token is an RS256 JWT verifiable with the published JWKS.
    const idToken = String(lastParams.id_token);
    const [h, p, sig] = idToken.split('.');
    const jwks = (await (await fetch(`${sandbox.url}/google/oauth2/v3/certs`)).json()) as {
      keys: Array<Record<string, string>>;
    };
    const key = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(sig, 'base64url'))).toBe(true);
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({
      iss: `${sandbox.url}/google`,
      aud: GOOGLE_DEFAULT_CLIENT.clientId,
      sub: '110000000000000000001',
      email: 'alice@example.com',
      email_verified: true,
    });
  });

  it('checks the code verifier, the client secret and single use', async () => {
    const verifier = 'v'.repeat(50);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorize = async () => {
      const url = new URL(`${sandbox.url}/google/o/oauth2/v2/auth`);
      const q = {
        response_type: 'code',
        client_id: GOOGLE_DEFAULT_CLIENT.clientId,
        redirect_uri: 'http://127.0.0.1:9/cb',
        scope: 'email',
        state: 'xyz',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        login_hint: 'erin@example.net',
      };
      for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v);
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location') ?? '');
      expect(location.searchParams.get('state')).toBe('xyz');
      return location.searchParams.get('code') ?? '';
    };
    const token = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${sandbox.url}/google/token`, {
        method: 'POST',
        headers,
        body: new URLSearchParams({ grant_type: 'authorization_code', redirect_uri: 'http://127.0.0.1:9/cb', ...body }),
      });

    const badSecret = await token({
      code: await authorize(),
      client_id: GOOGLE_DEFAULT_CLIENT.clientId,
      client_secret: 'nope',
      code_verifier: verifier,
    });
    expect(badSecret.status).toBe(401);
    expect(await badSecret.json()).toEqual({ error: 'invalid_client', error_description: 'Unauthorized' });

    const wrongVerifier = await token({
      code: await authorize(),
      client_id: GOOGLE_DEFAULT_CLIENT.clientId,
      client_secret: GOOGLE_DEFAULT_CLIENT.clientSecret,
      code_verifier: 'w'.repeat(50),
    });
    expect(wrongVerifier.status).toBe(400);
    expect(await wrongVerifier.json()).toEqual({ error: 'invalid_grant', error_description: 'Invalid code verifier.' });

    const code = await authorize();
    const basic = Buffer.from(`${GOOGLE_DEFAULT_CLIENT.clientId}:${GOOGLE_DEFAULT_CLIENT.clientSecret}`).toString(
      'base64',
    );
    const ok = await token({ code, code_verifier: verifier }, { authorization: `Basic ${basic}` });
    expect(ok.status).toBe(200);
    const granted = (await ok.json()) as Record<string, unknown>;
    expect(granted).toMatchObject({ token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/userinfo.email' });
    expect(granted.id_token).toBeUndefined(); // no openid scope

    const replay = await token({ code, code_verifier: verifier }, { authorization: `Basic ${basic}` });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');

    const info = await fetch(`${sandbox.url}/google/oauth2/v3/userinfo?access_token=${String(granted.access_token)}`);
    expect(await info.json()).toEqual({ sub: expect.any(String), email: 'erin@example.net', email_verified: true });
  });

  it('answers bad requests with Google error shapes', async () => {
    const noScope = await fetch(
      `${sandbox.url}/google/o/oauth2/v2/auth?response_type=code&client_id=${GOOGLE_DEFAULT_CLIENT.clientId}&redirect_uri=http://x/cb`,
    );
    expect(noScope.status).toBe(400);
    expect(await noScope.text()).toContain('Missing required parameter: scope');
    const badClient = await fetch(
      `${sandbox.url}/google/o/oauth2/v2/auth?response_type=code&client_id=nope&redirect_uri=http://x/cb&scope=email`,
    );
    expect(badClient.status).toBe(401);
    const userinfo = await fetch(`${sandbox.url}/google/oauth2/v3/userinfo`, {
      headers: { authorization: 'Bearer ya29.nope' },
    });
    expect(userinfo.status).toBe(401);
    expect(await userinfo.json()).toEqual({ error: 'invalid_request', error_description: 'Invalid Credentials' });
    const badJson = await fetch(`${sandbox.url}/google/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: 'invalid_request' });
    const grant = await fetch(`${sandbox.url}/google/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: GOOGLE_DEFAULT_CLIENT.clientId,
        client_secret: GOOGLE_DEFAULT_CLIENT.clientSecret,
      }),
    });
    expect(grant.status).toBe(400);
    expect(((await grant.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });
});
