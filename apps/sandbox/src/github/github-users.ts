import { createHash } from 'node:crypto';

/** The GitHub accounts the sandbox knows, as https://docs.github.com/rest/users shows them. */

export interface GithubUserInput {
  readonly login: string;
  readonly email?: string | null;
  readonly name?: string | null;
  readonly id?: number;
  /** Whether the primary email is verified (default true). */
  readonly emailVerified?: boolean;
}

export interface GithubUser {
  id: number;
  login: string;
  name: string | null;
  email: string | null;
  emailVerified: boolean;
  createdAt: string;
}

export const GITHUB_DEFAULT_USERS: readonly GithubUserInput[] = [
  { login: 'alice', name: 'Alice Example', email: 'alice@example.com', id: 1001 },
  { login: 'bob', name: 'Bob Example', email: 'bob@example.com', id: 1002 },
];

/** A number in [min, max) derived from `seed`: stable across restarts, distinct per seed in practice. */
function stableNumber(seed: string, min: number, max: number): number {
  return min + (createHash('sha256').update(seed).digest().readUInt32BE(0) % (max - min));
}

export class GithubUsers {
  private readonly byLogin = new Map<string, GithubUser>(); // by lower-case login

  constructor(initial: readonly GithubUserInput[]) {
    for (const u of initial) this.add(u);
  }

  all(): GithubUser[] {
    return [...this.byLogin.values()];
  }

  byId(id: number): GithubUser | undefined {
    return this.all().find((user) => user.id === id);
  }

  /** Adds a user, or updates the one with that login; throws on a login GitHub would refuse. */
  add(input: GithubUserInput): GithubUser {
    const login = input.login.trim();
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(login)) throw new Error(`invalid login: ${login}`);
    const existing = this.byLogin.get(login.toLowerCase());
    const user: GithubUser = {
      // Derived from the login, like a real account id it stays the same across sandbox restarts.
      id: input.id ?? existing?.id ?? stableNumber(`github:${input.login.toLowerCase()}`, 10_000, 999_999_999),
      login,
      name: input.name ?? existing?.name ?? null,
      email: input.email ?? existing?.email ?? null,
      emailVerified: input.emailVerified ?? existing?.emailVerified ?? true,
      createdAt: existing?.createdAt ?? new Date().toISOString(),
    };
    this.byLogin.set(login.toLowerCase(), user);
    return user;
  }

  /** Finds a user by login or email, creating one for an unknown email / login. */
  resolve(identifier: string): GithubUser {
    const id = identifier.trim();
    const byLogin = this.byLogin.get(id.toLowerCase());
    if (byLogin) return byLogin;
    const byEmail = this.all().find((user) => user.email?.toLowerCase() === id.toLowerCase());
    if (byEmail) return byEmail;
    if (id.includes('@')) {
      const base =
        id
          .split('@')[0]
          .replace(/[^A-Za-z0-9-]/g, '-')
          .replace(/^-+/, '')
          .slice(0, 30) || 'user';
      let login = base;
      for (let n = 2; this.byLogin.has(login.toLowerCase()); n++) login = `${base}-${n}`;
      return this.add({ login, email: id, name: null });
    }
    return this.add({ login: id, email: `${id.toLowerCase()}@example.com`, name: null });
  }
}

/** The user as GET /user answers it. */
export function userJson(baseUrl: string, user: GithubUser): Record<string, unknown> {
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
