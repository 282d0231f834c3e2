import { randomBytes } from 'node:crypto';
import type { Response, Router } from 'express';
import { escapeHtml, safeEqual, str } from '../helpers';
import {
  clientCredentials,
  findClient,
  hiddenInputs,
  isHttpUrl,
  type OAuthClient,
  oauthErrorPage,
  pkceMatches,
  signInPage,
} from '../oauth';
import type { GithubUser, GithubUsers } from './github-users';

/**
 * GitHub's OAuth web flow (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps):
 * the sign-in page under /login/oauth/authorize and the code exchange at /login/oauth/access_token.
 */

export interface IssuedToken {
  userId: number;
  scope: string;
  clientId: string;
}

/** What the OAuth flow shares with the API routes and the test controls. */
export interface GithubOAuthState {
  readonly clients: readonly OAuthClient[];
  readonly users: GithubUsers;
  /** Lifetime of an authorization code, GitHub uses 10 minutes. */
  readonly codeTtlMs: number;
  readonly tokens: Map<string, IssuedToken>;
  /** When set, every authorize GET redirects at once as this login. */
  autoApproveLogin: string | null;
}

interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  state?: string;
  scope: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  scope: string;
  userId: number;
  expiresAt: number;
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

const DOCS = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors';
const AUTHORIZE_PATH = '/github/login/oauth/authorize';

function parseAuthorize(source: Record<string, unknown>): AuthorizeParams | { error: string; status: number } {
  const clientId = str(source.client_id);
  if (!clientId) return { error: 'Missing client_id.', status: 404 };
  const redirectUri = str(source.redirect_uri);
  if (!redirectUri)
    return { error: 'Missing redirect_uri (the sandbox has no registered callback URL to fall back on).', status: 400 };
  if (!isHttpUrl(redirectUri)) return { error: 'The redirect_uri is not a valid http(s) URL.', status: 400 };
  const codeChallengeMethod = str(source.code_challenge_method);
  if (codeChallengeMethod !== undefined && codeChallengeMethod !== 'S256' && codeChallengeMethod !== 'plain') {
    return { error: 'Unsupported code_challenge_method.', status: 400 };
  }
  return {
    clientId,
    redirectUri,
    state: str(source.state),
    scope: str(source.scope) ?? '',
    codeChallenge: str(source.code_challenge),
    codeChallengeMethod,
  };
}

/** GitHub accepts space- or comma-separated scopes and reports them comma-separated. */
function normalizeScope(scope: string): string {
  return scope
    .split(/[\s,]+/)
    .filter(Boolean)
    .join(',');
}

const errorPage = (message: string) => oauthErrorPage('GitHub', 'GitHub sandbox', message);

function authorizePage(params: AuthorizeParams, users: GithubUser[], suggestedLogin?: string): string {
  return signInPage({
    title: 'Authorize application – GitHub (sandbox)',
    heading: 'Sign in to GitHub (sandbox)',
    introHtml: `<p>An application (client <code>${escapeHtml(params.clientId)}</code>) wants to access your account${params.scope ? ` with scope <code>${escapeHtml(params.scope)}</code>` : ''}.</p>`,
    action: AUTHORIZE_PATH,
    hidden: hiddenInputs([
      ['client_id', params.clientId],
      ['redirect_uri', params.redirectUri],
      ['state', params.state],
      ['scope', params.scope],
      ['code_challenge', params.codeChallenge],
      ['code_challenge_method', params.codeChallengeMethod],
    ]),
    field: 'login',
    accounts: users.map((u) => ({ value: u.login, label: `Sign in as ${u.login}${u.email ? ` (${u.email})` : ''}` })),
    otherAccountHtml: `<label>Login or email <input name="login" autocomplete="username" value="${escapeHtml(suggestedLogin ?? '')}" required></label>`,
    approveLabel: 'Authorize',
  });
}

export function githubOAuthRoutes(router: Router, state: GithubOAuthState): void {
  const codes = new Map<string, PendingCode>();

  /** The authorize request, or undefined once its error page is sent. */
  const authorizeRequest = (source: Record<string, unknown>, res: Response): AuthorizeParams | undefined => {
    const parsed = parseAuthorize(source);
    if ('error' in parsed) {
      res.status(parsed.status).type('html').send(errorPage(parsed.error));
      return undefined;
    }
    if (!findClient(state.clients, parsed.clientId)) {
      res.status(404).type('html').send(errorPage('Not Found: no OAuth application with this client_id.'));
      return undefined;
    }
    return parsed;
  };

  const redirectWithCode = (res: Response, params: AuthorizeParams, user: GithubUser): void => {
    const code = randomBytes(10).toString('hex');
    codes.set(code, {
      clientId: params.clientId,
      redirectUri: params.redirectUri,
      scope: normalizeScope(params.scope),
      userId: user.id,
      expiresAt: Date.now() + state.codeTtlMs,
      codeChallenge: params.codeChallenge,
      codeChallengeMethod: params.codeChallengeMethod,
    });
    const target = new URL(params.redirectUri);
    target.searchParams.set('code', code);
    if (params.state !== undefined) target.searchParams.set('state', params.state);
    res.redirect(302, target.toString());
  };

  router.get('/login/oauth/authorize', (req, res) => {
    const params = authorizeRequest(req.query, res);
    if (!params) return;
    const auto = str(req.query.login_hint) ?? state.autoApproveLogin;
    if (!auto) {
      res.type('html').send(authorizePage(params, state.users.all(), str(req.query.login)));
      return;
    }
    let user: GithubUser;
    try {
      user = state.users.resolve(auto);
    } catch {
      res.status(400).type('html').send(errorPage('login_hint is not a valid GitHub login or email.'));
      return;
    }
    redirectWithCode(res, params, user);
  });

  router.post('/login/oauth/authorize', (req, res) => {
    const params = authorizeRequest(req.body ?? {}, res);
    if (!params) return;
    if (req.body?.decision === 'deny') {
      const target = new URL(params.redirectUri);
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user has denied your application access.');
      target.searchParams.set('error_uri', `${DOCS}/#access-denied`);
      if (params.state !== undefined) target.searchParams.set('state', params.state);
      res.redirect(302, target.toString());
      return;
    }
    const login = str(req.body?.login)?.trim();
    if (!login) {
      res.status(422).type('html').send(errorPage('Enter a login or an email address.'));
      return;
    }
    let user: GithubUser;
    try {
      user = state.users.resolve(login);
    } catch {
      res.status(422).type('html').send(errorPage('That is not a valid GitHub login.'));
      return;
    }
    redirectWithCode(res, params, user);
  });

  router.post('/login/oauth/access_token', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const wantsJson = (req.get('accept') ?? '').includes('application/json');
    const reply = (payload: Record<string, string>) => {
      if (wantsJson) res.json(payload);
      else res.type('application/x-www-form-urlencoded').send(new URLSearchParams(payload).toString());
    };
    // GitHub answers these errors with HTTP 200 and an `error` field (documented behaviour).
    const replyError = (error: string, description: string, anchor: string) =>
      reply({ error, error_description: description, error_uri: `${DOCS}/#${anchor}` });
    const { clientId, clientSecret } = clientCredentials(req);
    const client = findClient(state.clients, clientId);
    if (!client || clientSecret === undefined || !safeEqual(client.clientSecret, clientSecret)) {
      return replyError(
        'incorrect_client_credentials',
        'The client_id and/or client_secret passed are incorrect.',
        'incorrect-client-credentials',
      );
    }
    const code = str(body.code);
    const pending = code ? codes.get(code) : undefined;
    if (code) codes.delete(code); // single use, even when the exchange fails below
    if (!pending || pending.expiresAt < Date.now() || pending.clientId !== client.clientId)
      return replyError('bad_verification_code', 'The code passed is incorrect or expired.', 'bad-verification-code');
    const redirectUri = str(body.redirect_uri);
    if (redirectUri !== undefined && redirectUri !== pending.redirectUri) {
      return replyError(
        'redirect_uri_mismatch',
        'The redirect_uri MUST match the registered callback URL for this application.',
        'redirect-uri-mismatch2',
      );
    }
    if (pending.codeChallenge) {
      const verifier = str(body.code_verifier);
      if (!verifier || !pkceMatches(pending.codeChallenge, pending.codeChallengeMethod, verifier)) {
        return replyError(
          'bad_verification_code',
          'The code_verifier does not match the code_challenge.',
          'bad-verification-code',
        );
      }
    }
    const accessToken = `gho_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`;
    state.tokens.set(accessToken, { userId: pending.userId, scope: pending.scope, clientId: client.clientId });
    reply({ access_token: accessToken, scope: pending.scope, token_type: 'bearer' });
  });
}
