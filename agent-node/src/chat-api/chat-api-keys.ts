import { CHAT_API_KEY_SHAPE, chatApiKeyHash } from '@enclave/node-protocol';
import type { ChannelRow, ConfigRepository } from '../storage/config.repository';
import type { SecretRepository } from '../storage/secret.repository';
import type { ChatApiRepository } from './chat-api.repository';

/** An enabled key: its `api` channel, with the agent it may use and its settings. */
export type ApiKeyChannel = ChannelRow & {
  readonly type: 'api';
  readonly settings: Required<Pick<ChannelRow['settings'], 'api'>>;
};

/**
 * Finds the key a request presents. The node holds each key's SHA-256 (delivered as the secret
 * `chat_api_key`, scope = the key's id) and indexes them in memory by hash; the index is rebuilt
 * whenever a key secret is added, rotated or removed.
 */
export class ChatApiKeys {
  private marker = '';
  private readonly byHash = new Map<string, string>();

  constructor(
    private readonly repo: ChatApiRepository,
    private readonly secrets: SecretRepository,
    private readonly config: ConfigRepository,
  ) {}

  /** The key's channel when the key is known, its channel is configured and enabled. */
  find(presented: string): ApiKeyChannel | undefined {
    if (!CHAT_API_KEY_SHAPE.test(presented)) return undefined;
    this.refresh();
    const id = this.byHash.get(chatApiKeyHash(presented));
    const channel = id ? this.config.getChannel(id) : undefined;
    if (!channel || channel.type !== 'api' || !channel.enabled || !channel.settings.api) return undefined;
    return channel as ApiKeyChannel;
  }

  private refresh(): void {
    const marker = this.repo.keyMarker();
    if (marker === this.marker) return;
    this.byHash.clear();
    for (const scope of this.repo.keyScopes()) {
      const hash = this.secrets.resolve('chat_api_key', scope);
      if (hash && scope !== 'default') this.byHash.set(hash, scope);
    }
    this.marker = marker;
  }
}
