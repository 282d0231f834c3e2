import { createHash } from 'node:crypto';

/** The Google accounts the sandbox knows. */

export interface GoogleUserInput {
  readonly email: string;
  readonly name?: string;
  readonly sub?: string;
  readonly emailVerified?: boolean;
  /** Hosted domain (Google Workspace), e.g. "example.com". */
  readonly hd?: string;
}

export interface GoogleUser {
  sub: string;
  email: string;
  name: string;
  emailVerified: boolean;
  hd?: string;
}

export const GOOGLE_DEFAULT_USERS: readonly GoogleUserInput[] = [
  { email: 'alice@example.com', name: 'Alice Example', sub: '110000000000000000001' },
  { email: 'bob@example.com', name: 'Bob Example', sub: '110000000000000000002' },
];

export class GoogleUsers {
  private readonly byEmail = new Map<string, GoogleUser>(); // by lower-case email

  constructor(initial: readonly GoogleUserInput[]) {
    for (const u of initial) this.add(u);
  }

  all(): GoogleUser[] {
    return [...this.byEmail.values()];
  }

  get(email: string): GoogleUser | undefined {
    return this.byEmail.get(email.toLowerCase());
  }

  bySub(sub: string): GoogleUser | undefined {
    return this.all().find((user) => user.sub === sub);
  }

  /** Adds an account, or updates the one with that address; throws on an invalid address. */
  add(input: GoogleUserInput): GoogleUser {
    const email = input.email.trim();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new Error(`invalid email: ${email}`);
    const existing = this.get(email);
    const user: GoogleUser = {
      // Derived from the address: the same person keeps the same `sub` across sandbox restarts.
      sub:
        input.sub ??
        existing?.sub ??
        `1${String(createHash('sha256').update(`google:${input.email.toLowerCase()}`).digest().readBigUInt64BE(0)).padStart(20, '0')}`,
      email,
      name: input.name ?? existing?.name ?? email.split('@')[0],
      emailVerified: input.emailVerified ?? existing?.emailVerified ?? true,
      hd: input.hd ?? existing?.hd,
    };
    this.byEmail.set(email.toLowerCase(), user);
    return user;
  }
}

/** The account as the test controls show it. */
export function testUserJson(user: GoogleUser): Record<string, unknown> {
  return { sub: user.sub, email: user.email, name: user.name, email_verified: user.emailVerified, hd: user.hd ?? null };
}
