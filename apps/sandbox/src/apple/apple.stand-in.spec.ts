import { createRemoteJWKSet, exportSPKI, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { type RunningSandbox, startSandbox } from '../sandbox';
import { APPLE_ISSUER } from './apple-keys';
import { appleStandIn } from './apple.stand-in';

const CLIENT_ID = 'com.example.web';
const TEAM_ID = 'TEAM123456';
const KEY_ID = 'KEY1234567';
const REDIRECT = 'https://app.example.com/api/auth/apple/callback';

function formFields(html: string): Record<string, string> {
  const decode = (v: string) => v.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
  return Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(([, k, v]) => [k, decode(v)]),
  );
}

describe('Sign in with Apple stand-in', () => {
  let sandbox: RunningSandbox;
  let clientSecret: () => Promise<string>;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    clientSecret = () =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: KEY_ID })
        .setIssuer(TEAM_ID)
        .setSubject(CLIENT_ID)
        .setAudience(APPLE_ISSUER)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    const client = {
      clientId: CLIENT_ID,
      teamId: TEAM_ID,
      keyId: KEY_ID,
      publicKey: await exportSPKI(publicKey),
      redirectUris: [REDIRECT],
    };
    sandbox = await startSandbox([appleStandIn({ clients: [client] })], 0);
  });
  afterAll(() => sandbox.close());

  const authorize = (params: Record<string, string>) =>
    fetch(`${sandbox.url}/apple/auth/authorize?${new URLSearchParams(params)}`);
  const approve = (params: Record<string, string>) =>
    fetch(`${sandbox.url}/apple/auth/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    }).then((r) => r.text());
  const token = async (body: Record<string, string>) => {
    const response = await fetch(`${sandbox.url}/apple/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CLIENT_ID, client_secret: await clientSecret(), ...body }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };
  const base = {
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'name email',
    response_mode: 'form_post',
  };

  it('refuses what Apple refuses at the authorization endpoint', async () => {
    expect((await authorize({ ...base, client_id: 'unknown' })).status).toBe(400);
    expect((await authorize({ ...base, redirect_uri: 'https://evil.example/cb' })).status).toBe(400);
    const query = await authorize({ ...base, response_mode: 'query' });
    expect(query.status).toBe(400);
    expect(await query.text()).toContain('response_mode must be form_post when name or email scope is requested');
    expect((await authorize(base)).status).toBe(200);
  });

  it('posts code, id_token, state and the user JSON once; the code works once; the id_token verifies against /auth/keys', async () => {
    const first = formFields(
      await approve({ ...base, response_type: 'code id_token', state: 's1', nonce: 'n1', email: 'kim@example.com' }),
    );
    expect(first.state).toBe('s1');
    expect(JSON.parse(first.user)).toEqual({
      name: { firstName: 'kim', lastName: 'Sandbox' },
      email: 'kim@example.com',
    });
    const jwks = createRemoteJWKSet(new URL(`${sandbox.url}/apple/auth/keys`));
    const posted = await jwtVerify(first.id_token, jwks, { issuer: APPLE_ISSUER, audience: CLIENT_ID });
    expect(posted.payload).toMatchObject({ nonce: 'n1', email: 'kim@example.com', email_verified: true });
    const redeemed = await token({ grant_type: 'authorization_code', code: first.code, redirect_uri: REDIRECT });
    expect(redeemed.status).toBe(200);
    expect(redeemed.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const claims = (await jwtVerify(redeemed.body.id_token, jwks, { issuer: APPLE_ISSUER, audience: CLIENT_ID }))
      .payload;
    expect(claims.sub).toBe(posted.payload.sub);
    expect(await token({ grant_type: 'authorization_code', code: first.code, redirect_uri: REDIRECT })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: redeemed.body.refresh_token });
    expect(refreshed.status).toBe(200);
    // Second consent of the same user for the same client: no `user` field.
    const second = formFields(await approve({ ...base, state: 's2', email: 'kim@example.com' }));
    expect(second.user).toBeUndefined();
    expect(second.id_token).toBeUndefined();
  });

  it('posts error=user_cancelled_authorize when the user cancels', async () => {
    expect(formFields(await approve({ ...base, state: 's3', decision: 'deny' }))).toEqual({
      error: 'user_cancelled_authorize',
      state: 's3',
    });
  });

  it('answers unsupported_grant_type and a redirect_uri mismatch like Apple', async () => {
    expect(await token({ grant_type: 'password' })).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });
    const fields = formFields(await approve({ ...base, state: 's4', email: 'lee@example.com' }));
    expect(
      await token({ grant_type: 'authorization_code', code: fields.code, redirect_uri: 'https://other.example/cb' }),
    ).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
  });
});
