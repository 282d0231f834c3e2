import { Router } from 'express';
import { str } from '../helpers';
import { type OAuthClient, useOAuthBodies } from '../oauth';
import type { SandboxContext, StandIn } from '../sandbox';
import { githubApiRoutes } from './github-api';
import { githubOAuthRoutes, type GithubOAuthState } from './github-oauth';
import { GITHUB_DEFAULT_USERS, type GithubUserInput, GithubUsers, userJson } from './github-users';

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

export type GithubClient = OAuthClient;

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

export function githubStandIn(options: GithubStandInOptions = {}): StandIn {
  const state: GithubOAuthState = {
    clients: options.clients?.length ? options.clients : [GITHUB_DEFAULT_CLIENT],
    users: new GithubUsers(options.users ?? GITHUB_DEFAULT_USERS),
    codeTtlMs: options.codeTtlMs ?? 10 * 60_000,
    tokens: new Map(),
    autoApproveLogin: null,
  };

  return {
    prefix: '/github',
    router: (context: SandboxContext) => {
      const router = Router();
      useOAuthBodies(router, (status) => ({
        message: status === 413 ? 'Payload too large' : 'Problems parsing JSON',
        documentation_url: 'https://docs.github.com/rest',
        status: String(status),
      }));
      githubOAuthRoutes(router, state);
      githubApiRoutes(router, state, context.baseUrl);

      router.post('/_test/users', (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const login = str(body.login);
        if (!login) {
          res.status(422).json({ message: 'Validation Failed', errors: [{ field: 'login', code: 'missing_field' }] });
          return;
        }
        try {
          const user = state.users.add({
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
        res.json(state.users.all().map((u) => userJson(context.baseUrl(), u)));
      });

      router.post('/_test/auto-approve', (req, res) => {
        const login = (req.body as Record<string, unknown> | undefined)?.login;
        state.autoApproveLogin = typeof login === 'string' && login.trim() ? login.trim() : null;
        res.json({ login: state.autoApproveLogin });
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
