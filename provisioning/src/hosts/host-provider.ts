import type { HostEntity, HostProviderName } from '@enclave/persistence';
import type { EntityManager } from 'typeorm';

/**
 * Where hosts come from. `allocate` runs inside the caller's transaction and must give each
 * workspace at most one host; `release` runs only after the host's data is verifiably wiped.
 */
export interface HostProvider {
  readonly name: HostProviderName;
  /** Returns the host allocated to the workspace (creating or taking one), or null if none is available now. */
  allocate(manager: EntityManager, workspaceId: string): Promise<HostEntity | null>;
  /** Resolves once the host can be reached over SSH (a new VPS may still be installing). */
  waitUntilReady(host: HostEntity, log: (line: string) => void): Promise<HostEntity>;
  /** Gives a wiped host back (pool) or destroys it (OVHcloud). */
  release(manager: EntityManager, host: HostEntity): Promise<void>;
}

export class NoHostAvailableError extends Error {
  constructor(provider: string) {
    super(`no free host is available from the ${provider} provider`);
    this.name = 'NoHostAvailableError';
  }
}
