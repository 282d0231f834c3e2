import { inboxSettingsSchema, type InboxSettings } from '@enclave/node-protocol';
import type { SettingsRepository } from '../storage/settings.repository';

const KEY = 'inbox.settings';

export const DEFAULT_INBOX_SETTINGS: Required<InboxSettings> = {
  handoffPhrases: ['human', 'real person', 'speak to someone', 'talk to someone', 'operator', 'agent please'],
  handoffMessage: 'I am passing you to a member of our team. They will answer here as soon as they can.',
  handbackMessage: '',
  handoffWhenNoAnswer: false,
};

/** The inbox's settings, kept in the node's settings table (the customer's own wording stays on the node). */
export class InboxSettingsStore {
  constructor(private readonly settings: SettingsRepository) {}

  get(): Required<InboxSettings> {
    const raw = this.settings.get(KEY);
    const parsed = raw === undefined ? undefined : inboxSettingsSchema.safeParse(JSON.parse(raw));
    return { ...DEFAULT_INBOX_SETTINGS, ...(parsed?.success ? parsed.data : {}) };
  }

  set(next: InboxSettings): Required<InboxSettings> {
    const merged = { ...DEFAULT_INBOX_SETTINGS, ...next };
    this.settings.set(KEY, JSON.stringify(merged));
    return merged;
  }

  /** True when `text` contains one of the handoff phrases as whole words, ignoring case. */
  asksForPerson(text: string | null): boolean {
    if (!text) return false;
    const normalized = ` ${text.toLocaleLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
    return this.get().handoffPhrases.some((phrase) => {
      const words = phrase
        .toLocaleLowerCase()
        .replace(/[^\p{L}\p{N}]+/gu, ' ')
        .trim();
      return words.length > 0 && normalized.includes(` ${words} `);
    });
  }
}
