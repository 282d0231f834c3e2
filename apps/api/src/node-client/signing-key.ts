import type { ControlPlaneConfig } from '@enclave/platform';
import { readFileSync } from 'node:fs';

/** Reads the control plane's Ed25519 signing key (PKCS#8 PEM), or null when none is configured. */
export function readSigningKey(config: ControlPlaneConfig): string | null {
  return config.NODE_PROTOCOL_SIGNING_KEY_PATH ? readFileSync(config.NODE_PROTOCOL_SIGNING_KEY_PATH, 'utf8') : null;
}
