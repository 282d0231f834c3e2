import { randomBytes } from 'node:crypto';
import type { Response, Router } from 'express';
import { escapeHtml, str } from '../helpers';
import { findClient, hiddenInputs, isHttpUrl, type OAuthClient, oauthErrorPage, signInPage } from '../oauth';
import { grantedScope, KNOWN_SCOPES, scopeList } from './google-scopes';
import type { GoogleUser, GoogleUsers } from './google-users';

/**
 * The authorization endpoint (https://developers.google.com/identity/protocols/oauth2/web-server#creatingclient):
 * an account chooser, or an immediate redirect for `login_hint` or the auto-approve control.
 */

export interface PendingCode {
  clientId: string;
  redirectUri: string;
  scope: string;
  sub: string;
  nonce?: string;
  accessType?: string;
  codeChallenge?: string;
  codeChallengeMethod: string;
  expiresAt: number;
}

/** What the authorization endpoint shares with the token endpoint and the test controls. */
export interface GoogleOAuthState {
  readonly clients: readonly OAuthClient[];
  readonly users: GoogleUsers;
  readonly codeTtlMs: number;
  /** Issued by the chooser, redeemed (once) at the token endpoint. */
  readonly codes: Map<string, PendingCode>;
  /** When set, every authorize GET redirects at once as this account. */
  autoApproveEmail: string | null;
}

interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  accessType?: string;
  codeChallenge?: string;
  codeChallengeMethod: string;
}

const AUTHORIZE_PATH = '/google/o/oauth2/v2/auth';

function parseAuthorize(source: Record<string, unknown>): AuthorizeParams | { error: string; description: string } {
  const clientId = str(source.client_id);
  if (!clientId) return { error: 'invalid_request', description: 'Missing required parameter: client_id' };
  const responseType = str(source.response_type);
  if (responseType !== 'code')
    return {
      error: 'invalid_request',
      description: responseType
        ? `Invalid response_type: ${responseType}`
        : 'Missing required parameter: response_type',
    };
  const redirectUri = str(source.redirect_uri);
  if (!redirectUri) return { error: 'invalid_request', description: 'Missing required parameter: redirect_uri' };
  if (!isHttpUrl(redirectUri)) return { error: 'redirect_uri_mismatch', description: 'Invalid redirect_uri.' };
  const scope = str(source.scope);
  if (!scope || scopeList(scope).length === 0)
    return { error: 'invalid_request', description: 'Missing required parameter: scope' };
  const unknown = scopeList(scope).filter((s) => !KNOWN_SCOPES.has(s));
  if (unknown.length)
    return {
      error: 'invalid_scope',
      description: `Some requested scopes were invalid. {invalid=[${unknown.join(', ')}]}`,
    };
  const codeChallenge = str(source.code_challenge);
  const method = str(source.code_challenge_method) ?? 'plain';
  if (codeChallenge !== undefined) {
    if (method !== 'S256' && method !== 'plain')
      return { error: 'invalid_request', description: 'Invalid code_challenge_method.' };
    if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(codeChallenge))
      return { error: 'invalid_request', description: 'Invalid code_challenge.' };
  }
  return {
    clientId,
    redirectUri,
    scope: scopeList(scope).join(' '),
    state: str(source.state),
    nonce: str(source.nonce),
    accessType: str(source.access_type),
    codeChallenge,
    codeChallengeMethod: method,
  };
}

export const errorPage = (title: string, message: string) => oauthErrorPage('Google', title, message);

function chooserPage(params: AuthorizeParams, users: GoogleUser[]): string {
  return signInPage({
    title: 'Sign in – Google Accounts (sandbox)',
    heading: 'Choose an account (Google sandbox)',
    introHtml: `<p>to continue to <code>${escapeHtml(params.clientId)}</code></p>`,
    action: AUTHORIZE_PATH,
    hidden: hiddenInputs([
      ['response_type', 'code'],
      ['client_id', params.clientId],
      ['redirect_uri', params.redirectUri],
      ['scope', params.scope],
      ['state', params.state],
      ['nonce', params.nonce],
      ['access_type', params.accessType],
      ['code_challenge', params.codeChallenge],
      ['code_challenge_method', params.codeChallenge ? params.codeChallengeMethod : undefined],
    ]),
    field: 'email',
    accounts: users.map((u) => ({ value: u.email, label: `Sign in as ${u.name} (${u.email})` })),
    otherAccountHtml: '<label>Email <input type="email" name="email" autocomplete="email" required></label>',
    approveLabel: 'Next',
  });
}

export function googleAuthorizeRoutes(router: Router, state: GoogleOAuthState): void {
  /** The authorize request, or undefined once Google's error page is sent. */
  const authorizeRequest = (source: Record<string, unknown>, res: Response): AuthorizeParams | undefined => {
    const parsed = parseAuthorize(source);
    if ('error' in parsed) {
      res
        .status(400)
        .type('html')
        .send(errorPage(`Error 400: ${parsed.error}`, parsed.description));
      return undefined;
    }
    if (!findClient(state.clients, parsed.clientId)) {
      res.status(401).type('html').send(errorPage('Error 401: invalid_client', 'The OAuth client was not found.'));
      return undefined;
    }
    return parsed;
  };

  const redirectWithCode = (res: Response, params: AuthorizeParams, user: GoogleUser): void => {
    const code = `4/0${randomBytes(24).toString('base64url')}`;
    state.codes.set(code, {
      clientId: params.clientId,
      redirectUri: params.redirectUri,
      scope: params.scope,
      sub: user.sub,
      nonce: params.nonce,
      accessType: params.accessType,
      codeChallenge: params.codeChallenge,
      codeChallengeMethod: params.codeChallengeMethod,
      expiresAt: Date.now() + state.codeTtlMs,
    });
    const target = new URL(params.redirectUri);
    if (params.state !== undefined) target.searchParams.set('state', params.state);
    target.searchParams.set('code', code);
    target.searchParams.set('scope', grantedScope(params.scope));
    target.searchParams.set('authuser', '0');
    target.searchParams.set('prompt', 'consent');
    res.redirect(302, target.toString());
  };

  router.get('/o/oauth2/v2/auth', (req, res) => {
    const params = authorizeRequest(req.query, res);
    if (!params) return;
    const hint = str(req.query.login_hint) ?? state.autoApproveEmail;
    if (!hint) {
      res.type('html').send(chooserPage(params, state.users.all()));
      return;
    }
    let user: GoogleUser;
    try {
      user = state.users.get(hint) ?? state.users.add({ email: hint });
    } catch {
      res.status(400).type('html').send(errorPage('Error 400: invalid_request', 'Invalid login_hint.'));
      return;
    }
    redirectWithCode(res, params, user);
  });

  router.post('/o/oauth2/v2/auth', (req, res) => {
    const params = authorizeRequest(req.body ?? {}, res);
    if (!params) return;
    if (req.body?.decision === 'deny') {
      const target = new URL(params.redirectUri);
      target.searchParams.set('error', 'access_denied');
      if (params.state !== undefined) target.searchParams.set('state', params.state);
      res.redirect(302, target.toString());
      return;
    }
    const email = str(req.body?.email)?.trim() ?? '';
    let user: GoogleUser;
    try {
      user = state.users.get(email) ?? state.users.add({ email });
    } catch {
      res.status(422).type('html').send(errorPage('Couldn’t find your Google Account', 'Enter a valid email address.'));
      return;
    }
    redirectWithCode(res, params, user);
  });
}
