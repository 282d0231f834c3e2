import { type ApiHarness, startApiHarness } from '../../test/api-harness';
import { latestMagicLink, sessionCookie, signInByEmail } from '../../test/sign-in';

/** Follows redirects by hand, carrying cookies per origin, the way a browser would. */
async function oauthDance(harness: ApiHarness, startPath: string): Promise<{ cookie: string; finalLocation: string }> {
  const jar = new Map<string, string>();
  let url = `${harness.url}${startPath}`;
  for (let hop = 0; hop < 10; hop += 1) {
    const origin = new URL(url).origin;
    const response = await fetch(url, {
      redirect: 'manual',
      headers: jar.has(origin) ? { cookie: jar.get(origin)! } : {},
    });
    for (const cookie of response.headers.getSetCookie()) {
      const pair = cookie.split(';')[0];
      const existing = jar.get(origin);
      jar.set(origin, existing ? `${existing}; ${pair}` : pair);
    }
    const location = response.headers.get('location');
    if (
      response.status === 303 &&
      location &&
      new URL(location).origin === harness.url &&
      !location.includes('/api/auth/')
    ) {
      return { cookie: sessionCookie(response.headers.getSetCookie()), finalLocation: location };
    }
    if (!location) throw new Error(`OAuth dance stopped at ${url} with ${response.status}: ${await response.text()}`);
    url = new URL(location, url).toString();
  }
  throw new Error('too many redirects');
}

describe('sign-in', () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await startApiHarness();
  });
  afterAll(() => harness.close());

  it('signs in with GitHub through the full OAuth redirect dance, with state', async () => {
    await fetch(`${harness.sandbox.url}/github/_test/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'octo-ada', email: 'ada@example.com', name: 'Ada Lovelace', emailVerified: true }),
    });
    await fetch(`${harness.sandbox.url}/github/_test/auto-approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'octo-ada' }),
    });
    const { cookie } = await oauthDance(harness, '/api/auth/github');
    const me = await harness.http().get('/api/me').set('cookie', cookie).expect(200);
    expect(me.body).toMatchObject({
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      identities: ['github'],
      isStaff: false,
    });
  });

  it('refuses a GitHub callback whose state does not match', async () => {
    const response = await harness
      .http()
      .get('/api/auth/github/callback?code=whatever&state=forged')
      .set('cookie', 'enclave_oauth_github=other');
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthenticated');
  });

  it('signs in with Google and links the identity to the user with the same verified email', async () => {
    await fetch(`${harness.sandbox.url}/google/_test/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', name: 'Ada L.', emailVerified: true }),
    });
    await fetch(`${harness.sandbox.url}/google/_test/auto-approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com' }),
    });
    const { cookie } = await oauthDance(harness, '/api/auth/google');
    const me = await harness.http().get('/api/me').set('cookie', cookie).expect(200);
    expect(me.body.email).toBe('ada@example.com');
    expect([...me.body.identities].sort()).toEqual(['github', 'google']);
  });

  it('signs in by magic link once; the same link cannot be used again', async () => {
    const cookie = await signInByEmail(harness, 'Grace@Example.com');
    const me = await harness.http().get('/api/me').set('cookie', cookie).expect(200);
    expect(me.body).toMatchObject({ email: 'grace@example.com', identities: ['email'] });
    const link = new URL(await latestMagicLink(harness, 'grace@example.com'));
    const reuse = await harness
      .http()
      .get(link.pathname + link.search)
      .expect(400);
    expect(reuse.body.error.code).toBe('magic_link_invalid');
  });

  it('signing in with one magic link spends the other outstanding links for that address', async () => {
    const email = 'many-links@example.com';
    for (let i = 0; i < 3; i += 1) await harness.http().post('/api/auth/email').send({ email }).expect(202);
    const mails = (await (
      await fetch(`${harness.sandbox.url}/mail/messages?to=${encodeURIComponent(email)}`)
    ).json()) as Array<{ text: string }>;
    const links = mails.map(
      (m) => new URL(m.text.match(/https?:\/\/\S+\/api\/auth\/email\/callback\?token=[\w-]+/)![0]),
    );
    expect(links).toHaveLength(3);
    // the middle one signs in; the older and the newer one are spent with it
    const response = await harness
      .http()
      .get(links[1].pathname + links[1].search)
      .expect(303);
    await harness.http().get('/api/me').set('cookie', sessionCookie(response.headers['set-cookie'])).expect(200);
    for (const other of [links[0], links[2]]) {
      const refused = await harness
        .http()
        .get(other.pathname + other.search)
        .expect(400);
      expect(refused.body.error.code).toBe('magic_link_invalid');
    }
    // a link asked for afterwards works
    await signInByEmail(harness, email);
  });

  it('stores only the hash of magic-link tokens and expires them after 15 minutes', async () => {
    await harness.http().post('/api/auth/email').send({ email: 'expiry@example.com' }).expect(202);
    const link = new URL(await latestMagicLink(harness, 'expiry@example.com'));
    const token = link.searchParams.get('token')!;
    const rows = await harness.dataSource.query(
      `SELECT token_hash, expires_at - created_at AS ttl FROM magic_link_tokens WHERE email = 'expiry@example.com'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).not.toContain(token);
    expect(rows[0].ttl).toMatchObject({ minutes: 15 });
    await harness.dataSource.query(
      `UPDATE magic_link_tokens SET expires_at = now() - interval '1 second' WHERE email = 'expiry@example.com'`,
    );
    await harness
      .http()
      .get(link.pathname + link.search)
      .expect(400);
  });

  it('rate-limits magic links per address', async () => {
    for (let i = 0; i < 5; i += 1)
      await harness.http().post('/api/auth/email').send({ email: 'busy@example.com' }).expect(202);
    const refused = await harness.http().post('/api/auth/email').send({ email: 'busy@example.com' }).expect(429);
    expect(refused.body.error.code).toBe('magic_link_rate_limited');
  });

  it('rejects bad sign-in input with a clear 400 and no mail', async () => {
    const malformed = await harness
      .http()
      .post('/api/auth/email')
      .set('content-type', 'application/json')
      .send('{"email":')
      .expect(400);
    expect(malformed.body.error.code).toBe('malformed_json');
    const invalid = await harness.http().post('/api/auth/email').send({ email: 'not-an-email' }).expect(400);
    expect(invalid.body.error).toMatchObject({
      code: 'validation_failed',
      details: [expect.objectContaining({ path: 'email' })],
    });
    const unknownField = await harness
      .http()
      .post('/api/auth/email')
      .send({ email: 'x@example.com', admin: true })
      .expect(400);
    expect(unknownField.body.error.code).toBe('validation_failed');
    const mails = (await (await fetch(`${harness.sandbox.url}/mail/messages?to=x@example.com`)).json()) as unknown[];
    expect(mails).toHaveLength(0);
  });

  it('sets an httpOnly SameSite=Lax session cookie, revocable server-side, with logout everywhere', async () => {
    await harness.http().post('/api/auth/email').send({ email: 'lin@example.com' }).expect(202);
    const first = new URL(await latestMagicLink(harness, 'lin@example.com'));
    const response = await harness
      .http()
      .get(first.pathname + first.search)
      .expect(303);
    const raw = (response.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('enclave_session='))!;
    expect(raw).not.toMatch(/Secure/); // PUBLIC_URL is http here; https: cross-site.e2e.spec.ts
    expect(raw).toMatch(/HttpOnly/);
    expect(raw).toMatch(/SameSite=Lax/);
    const laptop = sessionCookie([raw]);
    const phone = await signInByEmail(harness, 'lin@example.com');
    await harness.http().post('/api/auth/logout').set('cookie', laptop).expect(200);
    await harness.http().get('/api/me').set('cookie', laptop).expect(401);
    await harness.http().get('/api/me').set('cookie', phone).expect(200);
    const another = await signInByEmail(harness, 'lin@example.com');
    const all = await harness.http().post('/api/auth/logout-all').set('cookie', another).expect(200);
    expect(all.body.revoked).toBe(2);
    await harness.http().get('/api/me').set('cookie', phone).expect(401);
  });

  it('answers 401 with the error shape when not signed in', async () => {
    const response = await harness.http().get('/api/me').expect(401);
    expect(response.body).toEqual({ error: { code: 'unauthenticated', message: 'Sign in first.' } });
  });
});
