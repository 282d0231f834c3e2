import type { ModelClient } from '../models/model-client';
import type { ConfigRepository } from '../storage/config.repository';
import type { SecretRepository } from '../storage/secret.repository';
import { fetchPage, type CrawlLimits, type Extract } from './crawler';
import type { BusinessProfile, KnowledgeSettingsStore } from './knowledge-settings';
import type { SafeFetchOptions } from './safe-fetch';

const DRAFT_INSTRUCTIONS = `You write a short business profile for a customer-service assistant, from the pages of the business's website below.
Write plain text with these headings: What the business does; Products and services; Tone of voice; Contact.
Use only what the pages say; write "unknown" where they say nothing. At most 250 words.`;

const PAGE_CHARS = 6_000;

export interface ProfileDeps {
  readonly store: KnowledgeSettingsStore;
  readonly models: ModelClient;
  readonly config: ConfigRepository;
  readonly secrets: SecretRepository;
  readonly fetchOptions: SafeFetchOptions;
  readonly limits: CrawlLimits;
  readonly extract: Extract;
}

/**
 * Drafts the business profile from the customer's domain: the home page and an about page are
 * fetched (same guard as every fetch) and the workspace's model writes the draft; the customer
 * edits and publishes it, and a published profile joins the agent's instructions.
 */
export class ProfileService {
  constructor(private readonly deps: ProfileDeps) {}

  /** Starts drafting in the background; the profile shows 'drafting' until it is done. */
  startDraft(site: URL): BusinessProfile {
    const previous = this.deps.store.profile();
    const drafting = this.deps.store.setProfile({
      domain: site.host,
      text: previous?.text ?? '',
      status: 'drafting',
      error: null,
      published: previous?.published ?? false,
      updatedAt: Date.now(),
    });
    void this.draft(site).then(
      (text) => this.finish({ status: 'draft', text, error: null }),
      (err: Error) => this.finish({ status: 'failed', error: err.message }),
    );
    return drafting;
  }

  private finish(change: Partial<BusinessProfile>): void {
    const current = this.deps.store.profile();
    if (current) this.deps.store.setProfile({ ...current, ...change, updatedAt: Date.now() });
  }

  private async draft(site: URL): Promise<string> {
    const { fetchOptions, limits, extract } = this.deps;
    const home = await fetchPage(site.href, fetchOptions, limits, extract, site);
    if ('reason' in home) throw new Error(`the home page could not be read: ${home.reason}`);
    const about = home.links.find(
      (l) => new URL(l).host === site.host && /about|über|a-propos|qui-sommes/i.test(new URL(l).pathname),
    );
    const pages = [home.page];
    if (about) {
      const got = await fetchPage(about, fetchOptions, limits, extract, site);
      if (!('reason' in got)) pages.push(got.page);
    }
    const agent = this.deps.config.listAgents().find((a) => a.enabled);
    if (!agent) throw new Error('no agent is configured to write the draft');
    const apiKey = this.deps.secrets.resolve(
      agent.provider === 'openai' ? 'openai_api_key' : 'anthropic_api_key',
      agent.id,
    );
    if (!apiKey) throw new Error(`the workspace has no ${agent.provider} key`);
    const content = pages.map((p) => `# ${p.title ?? p.url} (${p.url})\n${p.text.slice(0, PAGE_CHARS)}`).join('\n\n');
    const answer = await this.deps.models
      .complete({
        provider: agent.provider,
        model: agent.model,
        apiKey,
        system: DRAFT_INSTRUCTIONS,
        turns: [{ role: 'user', content }],
      })
      .catch((err: { code?: string }) => {
        throw new Error(`the model could not write the draft (${err.code ?? 'error'})`);
      });
    if (answer.handoff) throw new Error('the model did not write a draft');
    return answer.text;
  }
}
