import { decryptSecret, encryptSecret } from '@enclave/secrets';
import type { SecretKind } from '@enclave/node-protocol';
import type { Db } from './database';

/**
 * Secrets at rest, AES-256-GCM sealed with the node-local key. Write-only from the outside:
 * nothing ever returns a secret over HTTP, and nothing logs one.
 */
export class SecretRepository {
  /** Opened secrets by `kind:scope`, kept until a secret is written or deleted (decrypted once, not per reply). */
  private readonly opened = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly key: Buffer,
  ) {}

  put(kind: SecretKind, scope: string, value: string): void {
    const sealed = encryptSecret(value, this.key, `${kind}:${scope}`);
    this.db
      .prepare(
        'INSERT INTO secrets (kind, scope, sealed, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (kind, scope) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at',
      )
      .run(kind, scope, sealed, Date.now());
    this.opened.clear();
  }

  delete(kind: SecretKind, scope: string): boolean {
    this.opened.clear();
    return this.db.prepare('DELETE FROM secrets WHERE kind = ? AND scope = ?').run(kind, scope).changes > 0;
  }

  /** Deletes every secret of a scope (an agent or channel that was removed). */
  deleteScope(scope: string): number {
    if (scope === 'default') return 0;
    this.opened.clear();
    return this.db.prepare('DELETE FROM secrets WHERE scope = ?').run(scope).changes;
  }

  /** The secret for a scope (agent or channel id), falling back to the node-wide default. */
  resolve(kind: SecretKind, scope?: string): string | undefined {
    const stmt = this.db.prepare<[string, string], { sealed: string }>(
      'SELECT sealed FROM secrets WHERE kind = ? AND scope = ?',
    );
    for (const s of scope ? [scope, 'default'] : ['default']) {
      const known = this.opened.get(`${kind}:${s}`);
      if (known !== undefined) return known;
      const row = stmt.get(kind, s);
      if (!row) continue;
      const value = decryptSecret(row.sealed, this.key, `${kind}:${s}`);
      this.opened.set(`${kind}:${s}`, value);
      return value;
    }
    return undefined;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM secrets').get() as { n: number }).n;
  }
}
