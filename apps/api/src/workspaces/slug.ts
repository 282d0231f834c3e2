/** Names that would clash with our own hosts or confuse customers. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'www',
  'api',
  'app',
  'admin',
  'administrator',
  'staff',
  'support',
  'help',
  'status',
  'docs',
  'mail',
  'smtp',
  'imap',
  'pop',
  'ftp',
  'ns',
  'ns1',
  'ns2',
  'dns',
  'cdn',
  'static',
  'assets',
  'blog',
  'billing',
  'dashboard',
  'console',
  'enclave',
  'root',
  'localhost',
  'test',
  'dev',
  'staging',
  'prod',
  'production',
  'internal',
  'node',
  'nodes',
  'auth',
  'login',
  'signin',
  'signup',
  'security',
  'abuse',
  'postmaster',
  'webmaster',
  'hostmaster',
]);

/**
 * A slug is one DNS label of `<slug>.<zone>`: 3–40 characters, lower-case letters, digits
 * and inner hyphens, not an IDN punycode label ("xn--"), not reserved.
 * Returns why it is refused, or null when it is acceptable.
 */
export function slugProblem(slug: string): string | null {
  if (slug.length < 3 || slug.length > 40) return 'must be 3 to 40 characters long';
  if (!/^[a-z0-9-]+$/.test(slug)) return 'may contain only lower-case letters, digits and hyphens';
  if (slug.startsWith('-') || slug.endsWith('-')) return 'must not start or end with a hyphen';
  if (slug.slice(2, 4) === '--') return 'must not have hyphens in the third and fourth positions (reserved for IDN)';
  if (RESERVED_SLUGS.has(slug)) return 'is reserved';
  return null;
}
