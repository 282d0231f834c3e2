import { createHash, randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { SandboxContext, StandIn } from '../sandbox';
import { escapeHtml, safeEqual, str } from '../helpers';

/**
 * GitHub OAuth app + the two REST endpoints passport-github2 reads, shaped after
 * https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 * and https://docs.github.com/en/rest/users.
 *
 *   GET  /github/login/oauth/authorize      sign-in page (or an immediate redirect, see below)
 *   POST /github/login/oauth/authorize      the page's form: approve as a user / deny
 *   POST /github/login/oauth/access_token   code -> token (urlencoded, or JSON with Accept: application/json)
 *   GET  /github/api/user                   the authenticated user
 *   GET  /github/api/user/emails            needs scope user or user:email
 *   POST /github/_test/users                register a test user {login, email, name?, id?, emailVerified?}
 *   GET  /github/_test/users                list them
 *   POST /github/_test/auto-approve         {login} -> every authorize GET redirects at once as that user; {login:null} clears
 */

export interface GithubClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface GithubUserInput {
  readonly login: string;
  readonly email?: string | null;
  readonly name?: string | null;
  readonly id?: number;
  /** Whether the primary email is verified (default true). */
  readonly emailVerified?: boolean;
}

export interface GithubStandInOptions {
  readonly clients?: readonly GithubClient[];
  readonly users?: readonly GithubUserInput[];
  /** Lifetime of an authorization code, GitHub uses 10 minutes. */
  readonly codeTtlMs?: number;
}

export const GITHUB_DEFAULT_CLIENT: GithubClient = {
  clientId: 'sandbox-github-client-id',
  clientSecret: 'sandbox-github-client-secret',
};

export const GITHUB_DEFAULT_USERS: readonly GithubUserInput[] = [
  { login: 'alice', name: 'Alice Example', email: 'alice@example.com', id: 1001 },
  { login: 'bob', name: 'Bob Example', email: 'bob@example.com', id: 1002 },
];

interface GithubUser {
  id: number;
  login: string;
  name: string | null;
  email: string | null;
  emailVerified: boolean;
  createdAt: string;
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

interface IssuedToken {
  userId: number;
  scope: string;
  clientId: string;
}

const DOCS = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors';

export function githubStandIn(options: GithubStandInOptions = {}): StandIn {
  const clients = options.clients?.length ? options.clients : [GITHUB_DEFAULT_CLIENT];
  const codeTtlMs = options.codeTtlMs ?? 10 * 60_000;
  const users = new Map<string, GithubUser>(); // by lower-case login
  const codes = new Map<string, PendingCode>();
  const tokens = new Map<string, IssuedToken>();
  let autoApproveLogin: string | null = null;

  function addUser(input: GithubUserInput): GithubUser {
    const login = input.login.trim();
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(login)) throw new Error(`invalid login: ${login}`);
    const existing = users.get(login.toLowerCase());
    const user: GithubUser = {
      // Derived from the login, like a real account id it stays the same across sandbox restarts.
      id: input.id ?? existing?.id ?? stableNumber(`github:${input.login.toLowerCase()}`, 10_000, 999_999_999),
      login,
      name: input.name ?? existing?.name ?? null,
      email: input.email ?? existing?.email ?? null,
      emailVerified: input.emailVerified ?? existing?.emailVerified ?? true,
      createdAt: existing?.createdAt ?? new Date().toISOString(),
    };
    users.set(login.toLowerCase(), user);
    return user;
  }
  for (const u of options.users ?? GITHUB_DEFAULT_USERS) addUser(u);

  /** Finds a user by login or email, creating one for an unknown email / login. */
  function resolveUser(identifier: string): GithubUser {
    const id = identifier.trim();
    const byLogin = users.get(id.toLowerCase());
    if (byLogin) return byLogin;
    for (const user of users.values()) if (user.email?.toLowerCase() === id.toLowerCase()) return user;
    if (id.includes('@')) {
      const base =
        id
          .split('@')[0]
          .replace(/[^A-Za-z0-9-]/g, '-')
          .replace(/^-+/, '')
          .slice(0, 30) || 'user';
      let login = base;
      for (let n = 2; users.has(login.toLowerCase()); n++) login = `${base}-${n}`;
      return addUser({ login, email: id, name: null });
    }
    return addUser({ login: id, email: `${id.toLowerCase()}@example.com`, name: null });
  }

  function findClient(clientId: string | undefined): GithubClient | undefined {
    return clients.find((c) => c.clientId === clientId);
  }

  function redirectWithCode(res: Response, params: AuthorizeParams, user: GithubUser): void {
    const code = randomBytes(10).toString('hex');
    codes.set(code, {
      clientId: params.clientId,
      redirectUri: params.redirectUri,
      scope: normalizeScope(params.scope),
      userId: user.id,
      expiresAt: Date.now() + codeTtlMs,
      codeChallenge: params.codeChallenge,
      codeChallengeMethod: params.codeChallengeMethod,
    });
    const target = new URL(params.redirectUri);
    target.searchParams.set('code', code);
    if (params.state !== undefined) target.searchParams.set('state', params.state);
    res.redirect(302, target.toString());
  }

  function userById(id: number): GithubUser | undefined {
    for (const user of users.values()) if (user.id === id) return user;
    return undefined;
  }

  function authenticate(req: Request, res: Response): { user: GithubUser; token: IssuedToken } | undefined {
    const header = req.get('authorization') ?? '';
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header);
    if (!match) {
      res
        .status(401)
        .json({ message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest', status: '401' });
      return undefined;
    }
    const token = tokens.get(match[1]);
    const user = token && userById(token.userId);
    if (!token || !user) {
      res
        .status(401)
        .json({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
      return undefined;
    }
    res.set('X-OAuth-Scopes', token.scope.split(',').filter(Boolean).join(', '));
    return { user, token };
  }

  return {
    prefix: '/github',
    router: (context: SandboxContext) => {
      const router = Router();
      router.use(express.urlencoded({ extended: false, limit: '64kb' }));
      router.use(express.json({ limit: '64kb' }));
      router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
        if (!err) return next();
        const status = (err as { status?: number }).status === 413 ? 413 : 400;
        res.status(status).json({
          message: status === 413 ? 'Payload too large' : 'Problems parsing JSON',
          documentation_url: 'https://docs.github.com/rest',
          status: String(status),
        });
      });

      router.get('/login/oauth/authorize', (req, res) => {
        const parsed = parseAuthorize(req.query);
        if ('error' in parsed) {
          res.status(parsed.status).type('html').send(errorPage(parsed.error));
          return;
        }
        if (!findClient(parsed.clientId)) {
          res.status(404).type('html').send(errorPage('Not Found: no OAuth application with this client_id.'));
          return;
        }
        const hint = str(req.query.login_hint);
        const auto = hint ?? autoApproveLogin;
        if (auto) {
          let user: GithubUser;
          try {
            user = resolveUser(auto);
          } catch {
            res.status(400).type('html').send(errorPage('login_hint is not a valid GitHub login or email.'));
            return;
          }
          redirectWithCode(res, parsed, user);
          return;
        }
        res.type('html').send(authorizePage(parsed, [...users.values()], str(req.query.login)));
      });

      router.post('/login/oauth/authorize', (req, res) => {
        const parsed = parseAuthorize(req.body ?? {});
        if ('error' in parsed) {
          res.status(parsed.status).type('html').send(errorPage(parsed.error));
          return;
        }
        if (!findClient(parsed.clientId)) {
          res.status(404).type('html').send(errorPage('Not Found: no OAuth application with this client_id.'));
          return;
        }
        if (req.body?.decision === 'deny') {
          const target = new URL(parsed.redirectUri);
          target.searchParams.set('error', 'access_denied');
          target.searchParams.set('error_description', 'The user has denied your application access.');
          target.searchParams.set('error_uri', `${DOCS}/#access-denied`);
          if (parsed.state !== undefined) target.searchParams.set('state', parsed.state);
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
          user = resolveUser(login);
        } catch {
          res.status(422).type('html').send(errorPage('That is not a valid GitHub login.'));
          return;
        }
        redirectWithCode(res, parsed, user);
      });

      router.post('/login/oauth/access_token', (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const wantsJson = (req.get('accept') ?? '').includes('application/json');
        const reply = (payload: Record<string, string>) => {
          if (wantsJson) res.json(payload);
          else res.type('application/x-www-form-urlencoded').send(new URLSearchParams(payload).toString());
        };
        let clientId = str(body.client_id);
        let clientSecret = str(body.client_secret);
        const basic = /^basic\s+(\S+)$/i.exec(req.get('authorization') ?? '');
        if (basic) {
          const [id, ...rest] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
          clientId = decodeURIComponent(id);
          clientSecret = decodeURIComponent(rest.join(':'));
        }
        const client = findClient(clientId);
        // GitHub answers these errors with HTTP 200 and an `error` field (documented behaviour).
        if (!client || clientSecret === undefined || !safeEqual(client.clientSecret, clientSecret)) {
          reply({
            error: 'incorrect_client_credentials',
            error_description: 'The client_id and/or client_secret passed are incorrect.',
            error_uri: `${DOCS}/#incorrect-client-credentials`,
          });
          return;
        }
        const code = str(body.code);
        const pending = code ? codes.get(code) : undefined;
        if (code) codes.delete(code); // single use, even when the exchange fails below
        if (!pending || pending.expiresAt < Date.now() || pending.clientId !== client.clientId) {
          reply({
            error: 'bad_verification_code',
            error_description: 'The code passed is incorrect or expired.',
            error_uri: `${DOCS}/#bad-verification-code`,
          });
          return;
        }
        const redirectUri = str(body.redirect_uri);
        if (redirectUri !== undefined && redirectUri !== pending.redirectUri) {
          reply({
            error: 'redirect_uri_mismatch',
            error_description: 'The redirect_uri MUST match the registered callback URL for this application.',
            error_uri: `${DOCS}/#redirect-uri-mismatch2`,
          });
          return;
        }
        if (pending.codeChallenge) {
          const verifier = str(body.code_verifier);
          if (!verifier || !pkceMatches(pending.codeChallenge, pending.codeChallengeMethod, verifier)) {
            reply({
              error: 'bad_verification_code',
              error_description: 'The code_verifier does not match the code_challenge.',
              error_uri: `${DOCS}/#bad-verification-code`,
            });
            return;
          }
        }
        const accessToken = `gho_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`;
        tokens.set(accessToken, { userId: pending.userId, scope: pending.scope, clientId: client.clientId });
        reply({ access_token: accessToken, scope: pending.scope, token_type: 'bearer' });
      });

      router.get('/api/user', (req, res) => {
        const auth = authenticate(req, res);
        if (!auth) return;
        res.json(userJson(context.baseUrl(), auth.user));
      });

      router.get('/api/user/emails', (req, res) => {
        const auth = authenticate(req, res);
        if (!auth) return;
        const scopes = auth.token.scope.split(',');
        res.set('X-Accepted-OAuth-Scopes', 'user, user:email');
        if (!scopes.includes('user') && !scopes.includes('user:email')) {
          res.status(404).json({
            message: 'Not Found',
            documentation_url:
              'https://docs.github.com/rest/users/emails#list-email-addresses-for-the-authenticated-user',
            status: '404',
          });
          return;
        }
        const { user } = auth;
        const emails: Array<{ email: string; primary: boolean; verified: boolean; visibility: string | null }> = [];
        if (user.email)
          emails.push({ email: user.email, primary: true, verified: user.emailVerified, visibility: 'public' });
        emails.push({
          email: `${user.id}+${user.login}@users.noreply.github.com`,
          primary: !user.email,
          verified: true,
          visibility: null,
        });
        res.json(emails);
      });

      router.post('/_test/users', (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const login = str(body.login);
        if (!login) {
          res.status(422).json({ message: 'Validation Failed', errors: [{ field: 'login', code: 'missing_field' }] });
          return;
        }
        try {
          const user = addUser({
            login,
            email: str(body.email) ?? null,
            name: str(body.name) ?? null,
            id: typeof body.id === 'number' ? body.id : undefined,
            emailVerified: typeof body.emailVerified === 'boolean' ? body.emailVerified : undefined,
          });
          res.status(201).json(userJson(context.baseUrl(), user));
        } catch (error) {
          res.status(422).json({
            message: 'Validation Failed',
            errors: [{ field: 'login', code: 'invalid', message: (error as Error).message }],
          });
        }
      });

      router.get('/_test/users', (_req, res) => {
        res.json([...users.values()].map((u) => userJson(context.baseUrl(), u)));
      });

      router.post('/_test/auto-approve', (req, res) => {
        const login = (req.body as Record<string, unknown> | undefined)?.login;
        autoApproveLogin = typeof login === 'string' && login.trim() ? login.trim() : null;
        res.json({ login: autoApproveLogin });
      });

      router.use((_req, res) => {
        res
          .status(404)
          .json({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
      });
      return router;
    },
  };
}

interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  state?: string;
  scope: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

function parseAuthorize(source: Record<string, unknown>): AuthorizeParams | { error: string; status: number } {
  const clientId = str(source.client_id);
  if (!clientId) return { error: 'Missing client_id.', status: 404 };
  const redirectUri = str(source.redirect_uri);
  if (!redirectUri)
    return { error: 'Missing redirect_uri (the sandbox has no registered callback URL to fall back on).', status: 400 };
  try {
    const url = new URL(redirectUri);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    return { error: 'The redirect_uri is not a valid http(s) URL.', status: 400 };
  }
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

function pkceMatches(challenge: string, method: string | undefined, verifier: string): boolean {
  if (method === 'plain') return challenge === verifier;
  return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

function userJson(baseUrl: string, user: GithubUser): Record<string, unknown> {
  const api = `${baseUrl}/github/api`;
  return {
    login: user.login,
    id: user.id,
    node_id: Buffer.from(`04:User${user.id}`).toString('base64'),
    avatar_url: `${baseUrl}/github/avatars/${user.id}`,
    gravatar_id: '',
    url: `${api}/users/${user.login}`,
    html_url: `${baseUrl}/github/${user.login}`,
    type: 'User',
    site_admin: false,
    name: user.name,
    company: null,
    blog: '',
    location: null,
    email: user.email,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: user.createdAt,
    updated_at: user.createdAt,
  };
}

function errorPage(message: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>GitHub (sandbox)</title></head><body><h1>GitHub sandbox</h1><p role="alert">${escapeHtml(message)}</p></body></html>`;
}

function authorizePage(params: AuthorizeParams, users: GithubUser[], suggestedLogin?: string): string {
  const hidden = [
    ['client_id', params.clientId],
    ['redirect_uri', params.redirectUri],
    ['state', params.state],
    ['scope', params.scope],
    ['code_challenge', params.codeChallenge],
    ['code_challenge_method', params.codeChallengeMethod],
  ]
    .filter((pair): pair is [string, string] => pair[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  // A path, not a URL: the page works whatever host name the browser reached the sandbox by.
  const action = '/github/login/oauth/authorize';
  const buttons = users
    .map(
      (u) =>
        `<li><form method="post" action="${action}">${hidden}<input type="hidden" name="login" value="${escapeHtml(u.login)}">` +
        `<button type="submit" data-login="${escapeHtml(u.login)}">Sign in as ${escapeHtml(u.login)}${u.email ? ` (${escapeHtml(u.email)})` : ''}</button></form></li>`,
    )
    .join('');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Authorize application – GitHub (sandbox)</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto}li{margin:.4rem 0}</style></head>
<body>
<h1>Sign in to GitHub (sandbox)</h1>
<p>An application (client <code>${escapeHtml(params.clientId)}</code>) wants to access your account${params.scope ? ` with scope <code>${escapeHtml(params.scope)}</code>` : ''}.</p>
<ul>${buttons}</ul>
<form method="post" action="${action}">${hidden}
<label>Login or email <input name="login" autocomplete="username" value="${escapeHtml(suggestedLogin ?? '')}" required></label>
<button type="submit" name="decision" value="approve">Authorize</button>
</form>
<form method="post" action="${action}">${hidden}<input type="hidden" name="login" value="-"><button type="submit" name="decision" value="deny">Cancel</button></form>
</body></html>`;
}

/** SANDBOX_GITHUB_CLIENT_ID / SANDBOX_GITHUB_CLIENT_SECRET register the OAuth app (dev defaults otherwise). */
export function githubOptionsFromEnv(env: NodeJS.ProcessEnv): GithubStandInOptions {
  return {
    clients: [
      {
        clientId: env.SANDBOX_GITHUB_CLIENT_ID || GITHUB_DEFAULT_CLIENT.clientId,
        clientSecret: env.SANDBOX_GITHUB_CLIENT_SECRET || GITHUB_DEFAULT_CLIENT.clientSecret,
      },
    ],
  };
}

/** A number in [min, max) derived from `seed`: stable across restarts, distinct per seed in practice. */
export function stableNumber(seed: string, min: number, max: number): number {
  return min + (createHash('sha256').update(seed).digest().readUInt32BE(0) % (max - min));
}
