import { Router } from 'express';
import { str } from '../helpers';
import { type OAuthClient, useOAuthBodies } from '../oauth';
import type { SandboxContext, StandIn } from '../sandbox';
import { googleAuthorizeRoutes, type GoogleOAuthState } from './google-authorize';
import { googleTokenRoutes, googleTokens } from './google-tokens';
import { GOOGLE_DEFAULT_USERS, type GoogleUserInput, GoogleUsers, testUserJson } from './google-users';

/**
 * Google OAuth 2.0 / OpenID Connect for web server apps, shaped after
 * https://developers.google.com/identity/protocols/oauth2/web-server and
 * https://developers.google.com/identity/openid-connect/openid-connect.
 *
 *   GET  /google/o/oauth2/v2/auth              account chooser (or immediate redirect with login_hint / auto-approve)
 *   POST /google/o/oauth2/v2/auth              the chooser's form
 *   POST /google/token                         authorization_code and refresh_token grants (client_secret_post or _basic)
 *   GET  /google/oauth2/v3/userinfo            Bearer header or ?access_token=
 *   GET  /google/oauth2/v3/certs               JWKS for the RS256 id_token
 *   GET  /google/.well-known/openid-configuration
 *   POST /google/_test/users                   {email, name?, sub?, emailVerified?, hd?}
 *   POST /google/_test/auto-approve            {email} | {email:null}
 */

export type GoogleClient = OAuthClient;

export interface GoogleStandInOptions {
  readonly clients?: readonly GoogleClient[];
  readonly users?: readonly GoogleUserInput[];
  readonly codeTtlMs?: number;
  readonly accessTokenTtlSeconds?: number;
}

export const GOOGLE_DEFAULT_CLIENT: GoogleClient = {
  clientId: 'sandbox-google-client-id.apps.googleusercontent.com',
  clientSecret: 'sandbox-google-client-secret',
};

export function googleStandIn(options: GoogleStandInOptions = {}): StandIn {
  const state: GoogleOAuthState = {
    clients: options.clients?.length ? options.clients : [GOOGLE_DEFAULT_CLIENT],
    users: new GoogleUsers(options.users ?? GOOGLE_DEFAULT_USERS),
    codeTtlMs: options.codeTtlMs ?? 10 * 60_000,
    codes: new Map(),
    autoApproveEmail: null,
  };
  const tokens = googleTokens(options.accessTokenTtlSeconds ?? 3599);

  return {
    prefix: '/google',
    router: (context: SandboxContext) => {
      const router = Router();
      useOAuthBodies(router, (status) => ({
        error: 'invalid_request',
        error_description: status === 413 ? 'Request too large.' : 'Invalid JSON payload received.',
      }));
      googleAuthorizeRoutes(router, state);
      googleTokenRoutes(router, state, tokens, () => `${context.baseUrl()}/google`);

      router.post('/_test/users', (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        try {
          const user = state.users.add({
            email: str(body.email) ?? '',
            name: str(body.name),
            sub: str(body.sub),
            emailVerified: typeof body.emailVerified === 'boolean' ? body.emailVerified : undefined,
            hd: str(body.hd),
          });
          res.status(201).json(testUserJson(user));
        } catch (error) {
          res.status(400).json({ error: 'invalid_request', error_description: (error as Error).message });
        }
      });

      router.get('/_test/users', (_req, res) => {
        res.json(state.users.all().map(testUserJson));
      });

      router.post('/_test/auto-approve', (req, res) => {
        const email = (req.body as Record<string, unknown> | undefined)?.email;
        state.autoApproveEmail = typeof email === 'string' && email.trim() ? email.trim() : null;
        res.json({ email: state.autoApproveEmail });
      });

      router.use((_req, res) => {
        res.status(404).json({ error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
      });
      return router;
    },
  };
}

/** SANDBOX_GOOGLE_CLIENT_ID / SANDBOX_GOOGLE_CLIENT_SECRET register the OAuth client (dev defaults otherwise). */
export function googleOptionsFromEnv(env: NodeJS.ProcessEnv): GoogleStandInOptions {
  return {
    clients: [
      {
        clientId: env.SANDBOX_GOOGLE_CLIENT_ID || GOOGLE_DEFAULT_CLIENT.clientId,
        clientSecret: env.SANDBOX_GOOGLE_CLIENT_SECRET || GOOGLE_DEFAULT_CLIENT.clientSecret,
      },
    ],
  };
}
