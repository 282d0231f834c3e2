import { type ControlPlaneConfig, domainError } from '@enclave/platform';
import { decryptSecret, encryptSecret, fingerprintSecret, maskSecret } from '@enclave/secrets';
import { NODE_DELIVERY_ERRORS } from './node-delivery.errors';

/**
 * The only code that touches a secret's value on the control plane: keyed fingerprint
 * (HMAC-SHA256 with SECRET_PEPPER), mask (last 4 characters), and AES-256-GCM sealing of a
 * secret that waits for its node (SECRET_ENCRYPTION_KEY; the AAD binds the ciphertext to its
 * record and fingerprint, so a row cannot be swapped for another).
 */
export class SecretVault {
  private readonly key: Buffer | null;

  constructor(
    private readonly pepper: string | null,
    encryptionKeyBase64: string | null,
  ) {
    this.key = encryptionKeyBase64 ? Buffer.from(encryptionKeyBase64, 'base64') : null;
  }

  static fromConfig(config: ControlPlaneConfig): SecretVault {
    return new SecretVault(config.SECRET_PEPPER ?? null, config.SECRET_ENCRYPTION_KEY ?? null);
  }

  private ready(): { pepper: string; key: Buffer } {
    if (!this.pepper || !this.key) throw domainError(NODE_DELIVERY_ERRORS.secretsNotConfigured);
    return { pepper: this.pepper, key: this.key };
  }

  fingerprint(value: string): string {
    return fingerprintSecret(value, this.ready().pepper);
  }

  mask(value: string): string {
    return maskSecret(value);
  }

  seal(recordId: string, fingerprint: string, value: string): string {
    return encryptSecret(value, this.ready().key, `${recordId}:${fingerprint}`);
  }

  open(recordId: string, fingerprint: string, sealed: string): string {
    return decryptSecret(sealed, this.ready().key, `${recordId}:${fingerprint}`);
  }
}
