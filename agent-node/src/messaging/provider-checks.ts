import type { HealthChecks, ModelProvider } from '@enclave/node-protocol';
import type { ModelClient } from '../models/model-client';
import type { ConfigRepository } from '../storage/config.repository';
import type { SecretRepository } from '../storage/secret.repository';

/** A provider's reachability is asked again after this long (health and heartbeats ask often). */
const PROVIDER_CHECK_TTL_MS = 5 * 60_000;

/** Can the providers of the enabled agents be reached with their keys? (lists models, cached) */
export class ProviderChecks {
  private readonly cache = new Map<ModelProvider, { ok: boolean; code?: string; at: number }>();

  constructor(
    private readonly config: ConfigRepository,
    private readonly secrets: SecretRepository,
    private readonly models: ModelClient,
  ) {}

  async check(): Promise<HealthChecks['providers']> {
    const providers: HealthChecks['providers'] = [];
    const used = new Map<ModelProvider, string>();
    for (const a of this.config.listAgents()) if (a.enabled && !used.has(a.provider)) used.set(a.provider, a.id);
    for (const [provider, agentId] of used) {
      const key = this.secrets.resolve(provider === 'openai' ? 'openai_api_key' : 'anthropic_api_key', agentId);
      if (!key) {
        providers.push({ provider, ok: false, code: 'missing_api_key' });
        continue;
      }
      const cached = this.cache.get(provider);
      if (cached && Date.now() - cached.at < PROVIDER_CHECK_TTL_MS) {
        providers.push({ provider, ok: cached.ok, ...(cached.code ? { code: cached.code } : {}) });
        continue;
      }
      try {
        await this.models.check(provider, key);
        this.cache.set(provider, { ok: true, at: Date.now() });
        providers.push({ provider, ok: true });
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'unreachable';
        this.cache.set(provider, { ok: false, code, at: Date.now() });
        providers.push({ provider, ok: false, code });
      }
    }
    return providers;
  }
}
