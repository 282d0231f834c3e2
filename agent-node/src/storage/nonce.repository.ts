import type { NonceStore } from '@enclave/node-protocol';
import type { Db } from './database';

/** Replay store for signed control-plane requests (atomic insert-or-refuse). */
export class NonceRepository implements NonceStore {
  private readonly insert;
  private readonly purge;
  constructor(db: Db) {
    this.insert = db.prepare('INSERT OR IGNORE INTO nonces (nonce, expires_at) VALUES (?, ?)');
    this.purge = db.prepare('DELETE FROM nonces WHERE expires_at < ?');
  }
  remember(nonce: string, expiresAtSeconds: number): boolean {
    this.purge.run(Math.floor(Date.now() / 1000));
    return this.insert.run(nonce, expiresAtSeconds).changes === 1;
  }
}
