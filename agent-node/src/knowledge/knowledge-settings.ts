import type { SettingsRepository } from '../storage/settings.repository';
import type { NoAnswerPolicy } from './retrieval';

export interface KnowledgeSettings {
  /** When nothing in the knowledge base matches: the agent says it does not know, or hands off to people. */
  readonly noAnswer: NoAnswerPolicy;
}

export interface BusinessProfile {
  readonly domain: string;
  /** The draft the model wrote, as the customer edited it. */
  readonly text: string;
  readonly status: 'drafting' | 'draft' | 'failed';
  readonly error: string | null;
  /** Published profiles join the agent's instructions. */
  readonly published: boolean;
  readonly updatedAt: number;
}

const SETTINGS_KEY = 'knowledge.settings';
const PROFILE_KEY = 'knowledge.profile';
export const DEFAULT_KNOWLEDGE_SETTINGS: KnowledgeSettings = { noAnswer: 'say' };

/** The knowledge base's settings and the business profile, in the node's settings table. */
export class KnowledgeSettingsStore {
  constructor(private readonly settings: SettingsRepository) {}

  get(): KnowledgeSettings {
    const raw = this.settings.get(SETTINGS_KEY);
    return raw
      ? { ...DEFAULT_KNOWLEDGE_SETTINGS, ...(JSON.parse(raw) as Partial<KnowledgeSettings>) }
      : DEFAULT_KNOWLEDGE_SETTINGS;
  }

  set(next: KnowledgeSettings): KnowledgeSettings {
    this.settings.set(SETTINGS_KEY, JSON.stringify(next));
    return next;
  }

  profile(): BusinessProfile | undefined {
    const raw = this.settings.get(PROFILE_KEY);
    return raw ? (JSON.parse(raw) as BusinessProfile) : undefined;
  }

  setProfile(profile: BusinessProfile): BusinessProfile {
    this.settings.set(PROFILE_KEY, JSON.stringify(profile));
    return profile;
  }
}
