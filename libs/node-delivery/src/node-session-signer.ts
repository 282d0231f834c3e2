import { createPrivateKey, type KeyObject } from 'node:crypto';
import { type IssuedNodeSession, issueNodeSession, type NodeSessionRole } from '@enclave/node-protocol';

export interface NodeSessionSubject {
  readonly userId: string;
  readonly workspaceId: string;
  readonly nodeId: string;
  readonly role: NodeSessionRole;
}

/**
 * Signs node sessions (the short-lived tokens a dashboard user's browser shows the workspace's
 * node) with the control plane's node-protocol key, the key every node already trusts. The key
 * stays inside this object; nothing it signs is stored.
 */
export class NodeSessionSigner {
  private readonly privateKey: KeyObject | null;

  constructor(privateKeyPem: string | null) {
    this.privateKey = privateKeyPem ? createPrivateKey(privateKeyPem) : null;
  }

  /** False when no signing key is configured (no node can be called or trust a session then). */
  get available(): boolean {
    return this.privateKey !== null;
  }

  issue(subject: NodeSessionSubject, now = new Date()): IssuedNodeSession {
    if (!this.privateKey) throw new Error('no node-protocol signing key is configured');
    return issueNodeSession({ ...subject, privateKey: this.privateKey, now });
  }
}
