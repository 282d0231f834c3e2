/** JSON over HTTP with a session cookie, the way the web app talks to the API. */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    public cookie = '',
  ) {}

  async call<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      redirect: 'manual',
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        'user-agent': 'enclave-journey/1',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (CSV, HTML): keep the text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** Like call(), but fails unless the status is the expected one. */
  async expect<T = any>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.call<T>(method, path, body);
    if (response.status !== status)
      throw new Error(
        `${method} ${path} answered ${response.status}, expected ${status}: ${JSON.stringify(response.body).slice(0, 400)}`,
      );
    return response.body;
  }
}

export function sessionCookieFrom(headers: Headers): string | null {
  const cookie = headers.getSetCookie().find((c) => /^(__Host-)?enclave_session=/.test(c));
  return cookie ? cookie.split(';')[0] : null;
}

/** Follows an OAuth sign-in through redirects, keeping cookies per origin, until the API sets the session. */
export async function followSignIn(startUrl: string, apiOrigin: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = startUrl;
  for (let hop = 0; hop < 12; hop += 1) {
    const origin = new URL(url).origin;
    const response = await fetch(url, {
      redirect: 'manual',
      headers: jar.has(origin) ? { cookie: jar.get(origin)! } : {},
    });
    for (const cookie of response.headers.getSetCookie()) {
      const pair = cookie.split(';')[0];
      jar.set(origin, jar.has(origin) ? `${jar.get(origin)}; ${pair}` : pair);
    }
    const session = origin === apiOrigin ? sessionCookieFrom(response.headers) : null;
    if (session) return session;
    const location = response.headers.get('location');
    if (!location)
      throw new Error(`sign-in stopped at ${url} with ${response.status}: ${(await response.text()).slice(0, 300)}`);
    url = new URL(location, url).toString();
  }
  throw new Error('sign-in: too many redirects');
}

/** Signs in by emailed link: asks for it, reads it from the sandbox SMTP catcher, opens it. */
export async function signInByMagicLink(api: ApiClient, sandboxUrl: string, email: string): Promise<string> {
  await api.expect(202, 'POST', '/api/auth/email', { email });
  const messages = (await (
    await fetch(`${sandboxUrl}/mail/messages?to=${encodeURIComponent(email)}`)
  ).json()) as Array<{ text: string }>;
  const link = messages[0]?.text.match(/https?:\/\/\S+\/api\/auth\/email\/callback\?token=[\w-]+/)?.[0];
  if (!link) throw new Error(`no sign-in link was mailed to ${email}`);
  const response = await fetch(link, { redirect: 'manual' });
  const cookie = sessionCookieFrom(response.headers);
  if (!cookie) throw new Error(`the sign-in link answered ${response.status} without a session`);
  return cookie;
}
