import { createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { escapeHtml, str } from './helpers';

/**
 * What the GitHub and Google OAuth stand-ins share: the parts of RFC 6749 / RFC 7636 both
 * providers implement alike, and the plain-form sign-in page (no JavaScript) both show.
 */

export interface OAuthClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

export function findClient(clients: readonly OAuthClient[], clientId: string | undefined): OAuthClient | undefined {
  return clients.find((c) => c.clientId === clientId);
}

/** Form and JSON bodies of up to 64 kB; one that does not parse gets the provider's own error body. */
export function useOAuthBodies(router: Router, errorBody: (status: 400 | 413) => unknown): void {
  router.use(express.urlencoded({ extended: false, limit: '64kb' }));
  router.use(express.json({ limit: '64kb' }));
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    const status = (err as { status?: number }).status === 413 ? 413 : 400;
    res.status(status).json(errorBody(status));
  });
}

/** The client's credentials, from the body (client_secret_post) or HTTP Basic (client_secret_basic). */
export function clientCredentials(req: Request): { clientId?: string; clientSecret?: string } {
  const basic = /^basic\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  if (!basic) {
    const body = (req.body ?? {}) as Record<string, unknown>;
    return { clientId: str(body.client_id), clientSecret: str(body.client_secret) };
  }
  const [id, ...secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
  return { clientId: decodeURIComponent(id), clientSecret: decodeURIComponent(secret.join(':')) };
}

/** Redirect URIs must be absolute http(s) URLs. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** RFC 7636: the verifier matches the challenge by S256 (the default) or `plain`. */
export function pkceMatches(challenge: string, method: string | undefined, verifier: string): boolean {
  if (method === 'plain') return challenge === verifier;
  return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

/** The authorize request carried through the page's forms (absent values are left out). */
export function hiddenInputs(fields: ReadonlyArray<readonly [string, string | undefined]>): string {
  return fields
    .filter((pair): pair is readonly [string, string] => pair[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
}

export interface SignInPage {
  readonly title: string;
  readonly heading: string;
  /** Trusted HTML under the heading (escape what it quotes). */
  readonly introHtml: string;
  /** A path, not a URL: the page works whatever host name the browser reached the sandbox by. */
  readonly action: string;
  readonly hidden: string;
  /** The form field naming the account, e.g. "login" or "email". */
  readonly field: string;
  readonly accounts: ReadonlyArray<{ value: string; label: string }>;
  /** Trusted HTML: the label and input for any other account. */
  readonly otherAccountHtml: string;
  readonly approveLabel: string;
}

/** One button per known account, a field for any other one, and Cancel (decision=deny). */
export function signInPage(page: SignInPage): string {
  const form = `<form method="post" action="${page.action}">${page.hidden}`;
  const accounts = page.accounts
    .map(
      (a) =>
        `<li>${form}<input type="hidden" name="${page.field}" value="${escapeHtml(a.value)}">` +
        `<button type="submit" data-${page.field}="${escapeHtml(a.value)}">${escapeHtml(a.label)}</button></form></li>`,
    )
    .join('');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto}li{margin:.4rem 0}</style></head>
<body>
<h1>${escapeHtml(page.heading)}</h1>
${page.introHtml}
<ul>${accounts}</ul>
${form}
${page.otherAccountHtml}
<button type="submit" name="decision" value="approve">${escapeHtml(page.approveLabel)}</button>
</form>
${form}<button type="submit" name="decision" value="deny">Cancel</button></form>
</body></html>`;
}

export function oauthErrorPage(provider: string, heading: string, message: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(provider)} (sandbox)</title></head><body><h1>${escapeHtml(heading)}</h1><p role="alert">${escapeHtml(message)}</p></body></html>`;
}
