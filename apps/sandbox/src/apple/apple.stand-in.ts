import { createHash, randomBytes } from 'node:crypto';
import { type Response, Router } from 'express';
import { escapeHtml, str } from '../helpers';
import { hiddenInputs, isHttpUrl, oauthErrorPage, signInPage, useOAuthBodies } from '../oauth';
import type { SandboxContext, StandIn } from '../sandbox';
import { type AppleClient, AppleSigningKey, verifyClientSecret } from './apple-keys';

/**
 * Sign in with Apple for the web (REST API), shaped after Apple's "Request an authorization to
 * the Sign in with Apple server", "Generate and validate tokens" and "Fetch Apple's public key":
 *
 *   GET  /apple/auth/authorize   client_id, redirect_uri, response_type (code | code id_token),
 *                                scope (name email), response_mode, state, nonce. Asking for name or
 *                                email requires response_mode=form_post.
 *   POST /apple/auth/authorize   the sign-in page's form; answers a page that POSTs code, id_token,
 *                                state and — on the first consent of a user for this client only —
 *                                `user` ({"name":{"firstName","lastName"},"email"}) to redirect_uri;
 *                                Cancel posts error=user_cancelled_authorize.
 *   POST /apple/auth/token       authorization_code / refresh_token grants; client_secret is the
 *                                ES256 JWT signed with the team's key (verified like Apple does)
 *   GET  /apple/auth/keys        JWKS of the RS256 id_token key
 *   POST /apple/_test/clients    {clientId, teamId, keyId, publicKey (JWK or SPKI PEM), redirectUris?}
 *   POST /apple/_test/users      {email, firstName?, lastName?, sub?}
 *   POST /apple/_test/auto-approve  {email} | {email: null}
 */

interface AppleUser {
  sub: string;
  email: string;
  firstName: string;
  lastName: string;
}

interface Grant {
  clientId: string;
  redirectUri: string;
  sub: string;
  scope: string[];
  nonce?: string;
  expiresAt: number;
}

interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  responseType: string;
  scope: string[];
  state?: string;
  nonce?: string;
}

const AUTHORIZE_PATH = '/apple/auth/authorize';
const errorPage = (message: string) => oauthErrorPage('Apple', 'Your request could not be completed.', message);

function parseAuthorize(
  source: Record<string, unknown>,
  clients: Map<string, AppleClient>,
): AuthorizeParams | { error: string } {
  const clientId = str(source.client_id);
  const client = clientId ? clients.get(clientId) : undefined;
  if (!client) return { error: 'invalid_client' };
  const redirectUri = str(source.redirect_uri) ?? '';
  const registered = client.redirectUris?.length ? client.redirectUris.includes(redirectUri) : isHttpUrl(redirectUri);
  if (!registered) return { error: 'invalid_request: Invalid redirect_uri' };
  const responseType = (str(source.response_type) ?? '').split(' ').sort().join(' ');
  if (responseType !== 'code' && responseType !== 'code id_token') return { error: 'unsupported_response_type' };
  const scope = (str(source.scope) ?? '').split(' ').filter(Boolean);
  if (scope.some((s) => s !== 'name' && s !== 'email')) return { error: 'invalid_scope' };
  const mode = str(source.response_mode) ?? 'query';
  if (scope.length && mode !== 'form_post')
    return { error: 'invalid_request: response_mode must be form_post when name or email scope is requested.' };
  if (mode !== 'form_post' && mode !== 'query' && mode !== 'fragment') return { error: 'invalid_request' };
  return {
    clientId: client.clientId,
    redirectUri,
    responseType,
    scope,
    state: str(source.state),
    nonce: str(source.nonce),
  };
}

/** What Apple's page does after consent: a self-submitting form POST to the client's redirect_uri. */
function formPost(redirectUri: string, fields: Record<string, string | undefined>): string {
  const inputs = Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sign in with Apple (sandbox)</title></head>
<body><form id="apple" method="post" action="${escapeHtml(redirectUri)}">${inputs}<button type="submit">Continue</button></form>
<script>document.getElementById('apple').submit()</script></body></html>`;
}

export function appleStandIn(options: { clients?: readonly AppleClient[] } = {}): StandIn {
  const clients = new Map((options.clients ?? []).map((client) => [client.clientId, client]));
  const users = new Map<string, AppleUser>();
  const consented = new Set<string>();
  const codes = new Map<string, Grant>();
  const refreshTokens = new Map<string, Grant>();
  let autoApprove: string | null = null;
  const signingKey = AppleSigningKey.create();

  const userFor = (email: string): AppleUser => {
    const key = email.trim().toLowerCase();
    let user = users.get(key);
    if (!user) {
      const local = key.split('@')[0] ?? 'apple';
      user = {
        sub: `000${randomBytes(8).toString('hex')}.${randomBytes(16).toString('hex')}.0${randomBytes(2).toString('hex')}`,
        email: key,
        firstName: local,
        lastName: 'Sandbox',
      };
      users.set(key, user);
    }
    return user;
  };

  const idToken = async (grant: Grant, code?: string) => {
    const user = [...users.values()].find((u) => u.sub === grant.sub)!;
    const claims: Record<string, unknown> = { auth_time: Math.floor(Date.now() / 1000), nonce_supported: true };
    if (grant.nonce) claims.nonce = grant.nonce;
    if (code) claims.c_hash = createHash('sha256').update(code).digest().subarray(0, 16).toString('base64url');
    if (grant.scope.includes('email'))
      Object.assign(claims, { email: user.email, email_verified: true, is_private_email: false });
    return (await signingKey).idToken(claims, grant.clientId, grant.sub);
  };

  const approve = async (res: Response, params: AuthorizeParams, user: AppleUser) => {
    const code = `c${randomBytes(16).toString('hex')}.0.${randomBytes(4).toString('hex')}`;
    const grant: Grant = {
      clientId: params.clientId,
      redirectUri: params.redirectUri,
      sub: user.sub,
      scope: params.scope,
      nonce: params.nonce,
      expiresAt: Date.now() + 5 * 60_000,
    };
    codes.set(code, grant);
    const consentKey = `${params.clientId}:${user.sub}`;
    // Apple sends the user's name and email to the client once, at the first consent only.
    const first = params.scope.length > 0 && !consented.has(consentKey);
    consented.add(consentKey);
    const userJson = first
      ? JSON.stringify({
          ...(params.scope.includes('name') ? { name: { firstName: user.firstName, lastName: user.lastName } } : {}),
          ...(params.scope.includes('email') ? { email: user.email } : {}),
        })
      : undefined;
    res.type('html').send(
      formPost(params.redirectUri, {
        state: params.state,
        code,
        id_token: params.responseType.includes('id_token') ? await idToken(grant, code) : undefined,
        user: userJson,
      }),
    );
  };

  const page = (params: AuthorizeParams) =>
    signInPage({
      title: 'Sign in with Apple (sandbox)',
      heading: 'Sign in with Apple ID (sandbox)',
      introHtml: `<p>to continue to <code>${escapeHtml(params.clientId)}</code></p>`,
      action: AUTHORIZE_PATH,
      hidden: hiddenInputs([
        ['client_id', params.clientId],
        ['redirect_uri', params.redirectUri],
        ['response_type', params.responseType],
        ['response_mode', 'form_post'],
        ['scope', params.scope.join(' ') || undefined],
        ['state', params.state],
        ['nonce', params.nonce],
      ]),
      field: 'email',
      accounts: [...users.values()].map((u) => ({
        value: u.email,
        label: `Continue as ${u.firstName} ${u.lastName} (${u.email})`,
      })),
      otherAccountHtml: '<label>Apple ID <input type="email" name="email" autocomplete="email" required></label>',
      approveLabel: 'Continue',
    });

  return {
    prefix: '/apple',
    router: (_context: SandboxContext) => {
      const router = Router();
      useOAuthBodies(router, () => ({ error: 'invalid_request' }));

      router.get('/auth/authorize', async (req, res) => {
        const params = parseAuthorize(req.query, clients);
        if ('error' in params) return void res.status(400).type('html').send(errorPage(params.error));
        if (autoApprove) return approve(res, params, userFor(autoApprove));
        res.type('html').send(page(params));
      });

      router.post('/auth/authorize', async (req, res) => {
        const params = parseAuthorize(req.body ?? {}, clients);
        if ('error' in params) return void res.status(400).type('html').send(errorPage(params.error));
        if (req.body?.decision === 'deny')
          return void res
            .type('html')
            .send(formPost(params.redirectUri, { error: 'user_cancelled_authorize', state: params.state }));
        const email = str(req.body?.email)?.trim() ?? '';
        if (!/^[^@\s]+@[^@\s]+$/.test(email))
          return void res.status(422).type('html').send(errorPage('Enter a valid Apple ID.'));
        return approve(res, params, userFor(email));
      });

      router.post('/auth/token', async (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const client = clients.get(str(body.client_id) ?? '');
        const secret = str(body.client_secret);
        if (!client || !secret || !(await verifyClientSecret(client, secret)))
          return void res.status(400).json({ error: 'invalid_client' });
        const grantType = str(body.grant_type);
        let grant: Grant | undefined;
        let code: string | undefined;
        if (grantType === 'authorization_code') {
          code = str(body.code) ?? '';
          grant = codes.get(code);
          codes.delete(code);
          if (
            !grant ||
            grant.expiresAt < Date.now() ||
            grant.clientId !== client.clientId ||
            grant.redirectUri !== str(body.redirect_uri)
          )
            return void res
              .status(400)
              .json({ error: 'invalid_grant', error_description: 'The code has expired or has been revoked.' });
        } else if (grantType === 'refresh_token') {
          grant = refreshTokens.get(str(body.refresh_token) ?? '');
          if (!grant || grant.clientId !== client.clientId)
            return void res.status(400).json({ error: 'invalid_grant' });
        } else {
          return void res.status(400).json({ error: 'unsupported_grant_type' });
        }
        const refreshToken =
          grantType === 'authorization_code'
            ? `r${randomBytes(24).toString('hex')}.0.${randomBytes(4).toString('hex')}`
            : undefined;
        if (refreshToken) refreshTokens.set(refreshToken, grant);
        res.json({
          access_token: `a${randomBytes(24).toString('hex')}.0.${randomBytes(4).toString('hex')}`,
          token_type: 'Bearer',
          expires_in: 3600,
          ...(refreshToken ? { refresh_token: refreshToken } : {}),
          id_token: await idToken(grant, code),
        });
      });

      router.get('/auth/keys', async (_req, res) => {
        res.json({ keys: [(await signingKey).jwk] });
      });

      router.post('/_test/clients', (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const clientId = str(body.clientId);
        const teamId = str(body.teamId);
        const keyId = str(body.keyId);
        const publicKey = body.publicKey as AppleClient['publicKey'] | undefined;
        if (!clientId || !teamId || !keyId || !publicKey)
          return void res.status(400).json({ error: 'invalid_request' });
        const redirectUris = Array.isArray(body.redirectUris)
          ? body.redirectUris.filter((u): u is string => typeof u === 'string')
          : undefined;
        clients.set(clientId, { clientId, teamId, keyId, publicKey, redirectUris });
        res.status(201).json({ clientId });
      });

      router.post('/_test/users', (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const email = str(body.email);
        if (!email) return void res.status(400).json({ error: 'invalid_request' });
        const user = userFor(email);
        user.firstName = str(body.firstName) ?? user.firstName;
        user.lastName = str(body.lastName) ?? user.lastName;
        res.status(201).json(user);
      });

      router.post('/_test/auto-approve', (req, res) => {
        const email = (req.body as Record<string, unknown> | undefined)?.email;
        autoApprove = typeof email === 'string' && email.trim() ? email.trim() : null;
        res.json({ email: autoApprove });
      });

      router.use((_req, res) => void res.status(404).json({ error: 'not_found' }));
      return router;
    },
  };
}
