import { type CryptoKey, exportJWK, exportPKCS8, generateKeyPair, SignJWT } from 'jose';
import { type ApiHarness, startApiHarness } from '../../../test/api-harness';
import { sessionCookie, signInByEmail } from '../../../test/sign-in';

const TEAM_ID = 'SANDBOXTEAM';
const KEY_ID = 'SANDBOXKEY1';
const CLIENT_ID = 'test.enclave.web';
/** Where Apple's pages live: the form_post callback is a cross-site POST from there. */
const APPLE_ORIGIN = 'https://appleid.apple.com';

/** The hidden fields and action of the self-submitting form Apple answers with (response_mode=form_post). */
function parseFormPost(html: string): { action: string; fields: Record<string, string> } {
  const decode = (v: string) => v.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form in: ${html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields[name] = decode(value);
  return { action: decode(action), fields };
}

describe('Sign in with Apple (through the sandbox stand-in)', () => {
  let harness: ApiHarness;
  let teamKey: CryptoKey;

  /** The whole browser journey: start, Apple's page (auto-approved), its form POST to our callback. */
  async function appleDance(
    cookie = '',
  ): Promise<{ status: number; location: string | null; setCookie: string[]; user?: string }> {
    const start = await fetch(`${harness.url}/api/auth/apple`, {
      redirect: 'manual',
      headers: cookie ? { cookie } : {},
    });
    expect(start.status).toBe(302);
    const stateCookie = start.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const authorize = new URL(start.headers.get('location')!);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: CLIENT_ID,
      response_type: 'code',
      response_mode: 'form_post',
      scope: 'name email',
    });
    const page = await fetch(authorize, { redirect: 'manual' });
    const { action, fields } = parseFormPost(await page.text());
    expect(action).toBe(`${harness.url}/api/auth/apple/callback`);
    const callback = await fetch(action, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: APPLE_ORIGIN,
        'sec-fetch-site': 'cross-site',
        cookie: [cookie, stateCookie].filter(Boolean).join('; '),
      },
      body: new URLSearchParams(fields).toString(),
    });
    return {
      status: callback.status,
      location: callback.headers.get('location'),
      setCookie: callback.headers.getSetCookie(),
      user: fields.user,
    };
  }

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    teamKey = pair.privateKey;
    harness = await startApiHarness({
      APPLE_CLIENT_ID: CLIENT_ID,
      APPLE_TEAM_ID: TEAM_ID,
      APPLE_KEY_ID: KEY_ID,
      APPLE_PRIVATE_KEY: (await exportPKCS8(pair.privateKey)).replace(/\n/g, '\\n'),
    });
    const post = (path: string, body: unknown) =>
      fetch(`${harness.sandbox.url}/apple/_test/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // Apple knows the team's public key; only the private half is in our configuration.
    await post('clients', {
      clientId: CLIENT_ID,
      teamId: TEAM_ID,
      keyId: KEY_ID,
      publicKey: await exportJWK(pair.publicKey),
    });
    await post('users', { email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' });
    await post('auto-approve', { email: 'grace@example.com' });
  });
  afterAll(() => harness?.close());

  it('offers Apple when configured', async () => {
    expect((await harness.http().get('/api/auth/providers')).body).toMatchObject({ apple: true });
  });

  let firstUserId = '';

  it('signs a new user up: form_post callback, ES256 client secret, id_token verified, name from the first consent', async () => {
    const result = await appleDance();
    expect(JSON.parse(result.user!)).toEqual({
      name: { firstName: 'Grace', lastName: 'Hopper' },
      email: 'grace@example.com',
    });
    expect(result.status).toBe(303);
    expect(result.location).toBe(`${harness.url}/`);
    const cookie = sessionCookie(result.setCookie);
    const me = await harness.http().get('/api/me').set('cookie', cookie).expect(200);
    expect(me.body).toMatchObject({ email: 'grace@example.com', name: 'Grace Hopper', identities: ['apple'] });
    firstUserId = me.body.id;
  });

  it('signs a returning user in without a name (Apple sends none after the first consent) and keeps the stored one', async () => {
    const result = await appleDance();
    expect(result.user).toBeUndefined();
    expect(result.status).toBe(303);
    const me = await harness.http().get('/api/me').set('cookie', sessionCookie(result.setCookie)).expect(200);
    expect(me.body).toMatchObject({ id: firstUserId, name: 'Grace Hopper', identities: ['apple'] });
    const identities = await harness.dataSource.query(`SELECT provider FROM identities WHERE user_id = $1`, [
      firstUserId,
    ]);
    expect(identities).toEqual([{ provider: 'apple' }]);
  });

  it('refuses a callback whose state does not match, and a form POST on any other route', async () => {
    const forged = await fetch(`${harness.url}/api/auth/apple/callback`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APPLE_ORIGIN },
      body: 'state=forged&code=whatever',
    });
    expect(forged.status).toBe(401);
    const elsewhere = await fetch(`${harness.url}/api/auth/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APPLE_ORIGIN },
      body: 'email=x%40example.com',
    });
    expect(elsewhere.status).toBe(403);
  });

  it('the stand-in checks the client secret like Apple: wrong key, wrong audience and a foreign kid are invalid_client', async () => {
    const other = (await generateKeyPair('ES256')).privateKey;
    const secret = (key: CryptoKey, audience: string, kid = KEY_ID) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid })
        .setIssuer(TEAM_ID)
        .setSubject(CLIENT_ID)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
    const token = async (clientSecret: string) =>
      fetch(`${harness.sandbox.url}/apple/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: CLIENT_ID,
          client_secret: clientSecret,
          code: 'c.unknown',
          grant_type: 'authorization_code',
          redirect_uri: `${harness.url}/api/auth/apple/callback`,
        }),
      }).then(async (r) => [r.status, await r.json()] as const);
    expect(await token(await secret(other, 'https://appleid.apple.com'))).toEqual([400, { error: 'invalid_client' }]);
    expect(await token(await secret(teamKey, 'https://example.com'))).toEqual([400, { error: 'invalid_client' }]);
    expect(await token(await secret(teamKey, 'https://appleid.apple.com', 'OTHERKEY'))).toEqual([
      400,
      { error: 'invalid_client' },
    ]);
    // The right secret gets past client authentication to the grant check.
    expect((await token(await secret(teamKey, 'https://appleid.apple.com')))[1]).toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('links Apple to a signed-in account from the account page; the last sign-in method cannot be unlinked', async () => {
    await fetch(`${harness.sandbox.url}/apple/_test/auto-approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada.apple@privaterelay.example.com' }),
    });
    const cookie = await signInByEmail(harness, 'ada.linking@example.com');
    const result = await appleDance(cookie);
    expect(result.status).toBe(303);
    expect(result.location).toBe(`${harness.url}/account?linked=1`);
    const account = await harness.http().get('/api/account').set('cookie', cookie).expect(200);
    expect(account.body.identities.map((i: { provider: string }) => i.provider).sort()).toEqual(['apple', 'email']);
    expect(account.body.email).toBe('ada.linking@example.com');
    const email = account.body.identities.find((i: { provider: string }) => i.provider === 'email');
    const apple = account.body.identities.find((i: { provider: string }) => i.provider === 'apple');
    await harness.http().delete(`/api/account/identities/${email.id}`).set('cookie', cookie).expect(204);
    const last = await harness.http().delete(`/api/account/identities/${apple.id}`).set('cookie', cookie).expect(409);
    expect(last.body.error.code).toBe('last_identity');
    // The same Apple account cannot be linked to a second Enclave account: back to the account page with the reason.
    const other = await signInByEmail(harness, 'someone.else@example.com');
    const refused = await appleDance(other);
    expect(refused.location).toBe(`${harness.url}/account?error=identity_in_use`);
    const otherAccount = await harness.http().get('/api/account').set('cookie', other).expect(200);
    expect(otherAccount.body.identities.map((i: { provider: string }) => i.provider)).toEqual(['email']);
  });
});
