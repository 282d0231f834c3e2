import type { ControlPlaneConfig } from '@enclave/platform';
import type { HelmetOptions } from 'helmet';

/**
 * Where the dashboard's scripts may connect besides the API itself: the workspaces' nodes, which
 * serve the inbox to the browser directly (`https://<slug>.<NODE_DNS_ZONE>`, port 443 through
 * the edge). Outside production, nodes may also listen on loopback or on a port of their own
 * (the test harness's in-process nodes, the local stack), so those are allowed there and only there.
 */
export function nodeConnectSources(config: Pick<ControlPlaneConfig, 'NODE_ENV' | 'NODE_DNS_ZONE'>): string[] {
  const nodes = `https://*.${config.NODE_DNS_ZONE}`;
  if (config.NODE_ENV === 'production') return [nodes];
  return [nodes, `${nodes}:*`, 'http://127.0.0.1:*', 'http://localhost:*'];
}

/** Helmet's defaults, with `connect-src` opened to the nodes' origins (and nothing else). */
export function helmetOptions(config: Pick<ControlPlaneConfig, 'NODE_ENV' | 'NODE_DNS_ZONE'>): HelmetOptions {
  return { contentSecurityPolicy: { directives: { connectSrc: ["'self'", ...nodeConnectSources(config)] } } };
}
