import { isIP } from 'node:net';
import { domainError } from '@enclave/platform';
import { WEBHOOK_ERRORS } from './webhooks.errors';

/** Literal addresses and names that can only mean the node itself or its private network. */
const PRIVATE_V4 = [
  /^0\./,
  /^10\./,
  /^127\./,
  /^169\.254\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^192\.168\./,
  /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./,
];
const PRIVATE_NAMES = /^(localhost|.*\.localhost|.*\.local|.*\.internal|metadata\.google\.internal)$/i;

function refused(reason: string): never {
  throw domainError(WEBHOOK_ERRORS.urlRefused, {
    message: `Webhook URL refused: ${reason}.`,
    details: { field: 'url', reason },
  });
}

/**
 * The control plane's check of a webhook URL, before it is stored: an https URL without
 * credentials, not naming a private, loopback or link-local address or a local name. The node
 * checks again when it sends, after DNS resolution and on every redirect (the only check that
 * can see where a name points); http is allowed only for the test hosts in WEBHOOK_TEST_HOSTS.
 */
export function checkWebhookUrl(raw: string, testHosts: readonly string[]): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    refused('not a URL');
  }
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const hostPort = `${host}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  const testHost = testHosts.includes(hostPort);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && testHost)) refused('use https');
  if (u.username || u.password) refused('no user or password in the URL');
  if (testHost) return u.href;
  if (PRIVATE_NAMES.test(host)) refused('a local host name');
  const family = isIP(host);
  if (family === 4 && PRIVATE_V4.some((r) => r.test(host))) refused('a private, loopback or link-local address');
  if (family === 6 && /^(::1?|f[cd]|fe[89ab]|::ffff:)/i.test(host))
    refused('a private, loopback or link-local address');
  return u.href;
}
