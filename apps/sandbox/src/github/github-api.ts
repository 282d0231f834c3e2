import type { Request, Response, Router } from 'express';
import type { GithubOAuthState, IssuedToken } from './github-oauth';
import { type GithubUser, userJson } from './github-users';

/** The two REST endpoints passport-github2 reads (https://docs.github.com/rest/users), under /api. */

const REST_DOCS = 'https://docs.github.com/rest';

export function githubApiRoutes(router: Router, state: GithubOAuthState, baseUrl: () => string): void {
  /** The token's user, or undefined once the 401 GitHub gives is sent. */
  const authenticate = (req: Request, res: Response): { user: GithubUser; token: IssuedToken } | undefined => {
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    const token = match ? state.tokens.get(match[1]) : undefined;
    const user = token && state.users.byId(token.userId);
    if (!token || !user) {
      const message = match ? 'Bad credentials' : 'Requires authentication';
      res.status(401).json({ message, documentation_url: REST_DOCS, status: '401' });
      return undefined;
    }
    res.set('X-OAuth-Scopes', token.scope.split(',').filter(Boolean).join(', '));
    return { user, token };
  };

  router.get('/api/user', (req, res) => {
    const auth = authenticate(req, res);
    if (auth) res.json(userJson(baseUrl(), auth.user));
  });

  router.get('/api/user/emails', (req, res) => {
    const auth = authenticate(req, res);
    if (!auth) return;
    const scopes = auth.token.scope.split(',');
    res.set('X-Accepted-OAuth-Scopes', 'user, user:email');
    if (!scopes.includes('user') && !scopes.includes('user:email')) {
      res.status(404).json({
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest/users/emails#list-email-addresses-for-the-authenticated-user',
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
}
