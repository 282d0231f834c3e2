import type { KeyObject } from 'node:crypto';
import { parsePublicKey, publicKeyFingerprint, type SetTrustedKeysResponse } from '@enclave/node-protocol';
import { NODE_ERROR, NodeError } from '../http/node-error';
import type { NodeLogger } from '../logging/logger';
import { SETTING, type SettingsRepository } from '../storage/settings.repository';

/**
 * The control-plane keys whose signatures the node accepts: the one written in its config at
 * install, until the control plane sets others (PUT /v1/trusted-keys, kept in settings).
 */
export class TrustedKeys {
  constructor(
    private readonly settings: SettingsRepository,
    private readonly configuredKey: KeyObject,
    private readonly logger: NodeLogger,
  ) {}

  list(): readonly KeyObject[] {
    const stored = this.settings.get(SETTING.trustedControlPlaneKeys);
    return stored ? (JSON.parse(stored) as string[]).map((pem) => parsePublicKey(pem)) : [this.configuredKey];
  }

  replace(publicKeys: readonly KeyObject[], signer: KeyObject): SetTrustedKeysResponse {
    const fingerprints = publicKeys.map((key) => publicKeyFingerprint(key));
    // The set must keep the key that signed this request: a control plane that sent only keys
    // it does not hold would lock itself out of the node for good.
    if (!fingerprints.includes(publicKeyFingerprint(signer))) {
      throw new NodeError(NODE_ERROR.validationFailed, 'the key that signed this request must stay trusted', {
        field: 'publicKeys',
      });
    }
    const pems = publicKeys.map((key) => key.export({ type: 'spki', format: 'pem' }).toString());
    this.settings.set(SETTING.trustedControlPlaneKeys, JSON.stringify(pems));
    this.logger.warn({ fingerprints }, 'trusted control-plane keys replaced');
    return { fingerprints, updatedAt: new Date().toISOString() };
  }
}
