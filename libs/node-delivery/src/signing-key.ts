import type { ControlPlaneConfig } from '@enclave/platform';
import { readFileSync } from 'node:fs';
import { HttpNodeClient } from './http-node-client';
import { NodeSessionSigner } from './node-session-signer';

/** Reads the control plane's Ed25519 signing key (PKCS#8 PEM), or null when none is configured. */
function readSigningKey(config: ControlPlaneConfig): string | null {
  return config.NODE_PROTOCOL_SIGNING_KEY_PATH ? readFileSync(config.NODE_PROTOCOL_SIGNING_KEY_PATH, 'utf8') : null;
}

/** The Origin CA root (PEM) node origin certificates chain to, when configured. */
export function readOriginCaRoot(config: ControlPlaneConfig): string | undefined {
  return config.CLOUDFLARE_ORIGIN_CA_ROOT_PATH
    ? readFileSync(config.CLOUDFLARE_ORIGIN_CA_ROOT_PATH, 'utf8')
    : undefined;
}

/** The signed node client as configured: the control plane's key, and the Origin CA root node certificates chain to. */
export function createNodeGateway(config: ControlPlaneConfig): HttpNodeClient {
  return new HttpNodeClient(readSigningKey(config), config.NODE_REQUEST_TIMEOUT_MS, readOriginCaRoot(config));
}

/** The node session signer with the control plane's key (the same key the node client signs with). */
export function createNodeSessionSigner(config: ControlPlaneConfig): NodeSessionSigner {
  return new NodeSessionSigner(readSigningKey(config));
}
