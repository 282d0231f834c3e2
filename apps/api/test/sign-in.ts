import { recordNeedle } from '@enclave/sandbox';
import type { ApiHarness } from './api-harness';

/** Signs in the way a person does: asks for a magic link, reads it from the SMTP catcher, opens it. Returns the cookie header. */
export async function signInByEmail(harness: ApiHarness, email: string): Promise<string> {
  await harness.http().post('/api/auth/email').send({ email }).expect(202);
  const link = await latestMagicLink(harness, email);
  const response = await harness
    .http()
    .get(new URL(link).pathname + new URL(link).search)
    .expect(303);
  return sessionCookie(response.headers['set-cookie']);
}

export async function latestMagicLink(harness: ApiHarness, email: string): Promise<string> {
  const messages = (await (
    await fetch(`${harness.sandbox.url}/mail/messages?to=${encodeURIComponent(email)}`)
  ).json()) as Array<{ text: string }>;
  const match = messages[0]?.text.match(/https?:\/\/\S+\/api\/auth\/email\/callback\?token=[\w-]+/);
  if (!match) throw new Error(`no magic link mailed to ${email}`);
  recordNeedle('secret', new URL(match[0]).searchParams.get('token') ?? undefined);
  return match[0];
}

export function sessionCookie(setCookie: string | string[] | undefined): string {
  const cookies = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  // `__Host-enclave_session` when PUBLIC_URL is https (apps/api/src/auth/cookies.ts)
  const session = cookies.find((cookie) => /^(__Host-)?enclave_session=/.test(cookie));
  if (!session) throw new Error('no session cookie was set');
  const cookie = session.split(';')[0];
  // The raw session token must never rest in the control plane (it keeps its SHA-256 only).
  recordNeedle('secret', cookie.slice(cookie.indexOf('=') + 1));
  return cookie;
}
