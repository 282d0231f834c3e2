import { randomBytes } from 'node:crypto';
import type {
  ApplyConfigRequest,
  ChannelConfig,
  ChannelType,
  ChatApiSettings,
  ModelProvider,
  WhatsAppWindowTemplate,
  WidgetSettings,
} from '@enclave/node-protocol';
import type { Db } from './database';

export interface AgentRow {
  readonly id: string;
  readonly name: string;
  readonly instructions: string;
  readonly provider: ModelProvider;
  readonly model: string;
  readonly enabled: boolean;
}

export interface ChannelRow {
  readonly id: string;
  readonly type: ChannelType;
  readonly agentId: string;
  readonly enabled: boolean;
  /** Non-secret settings (WhatsApp phone number id, verify token, the template for a closed window; the widget's). */
  readonly settings: {
    phoneNumberId?: string;
    verifyToken?: string;
    windowTemplate?: WhatsAppWindowTemplate;
    widget?: WidgetSettings;
    api?: ChatApiSettings;
  };
  /** Random secret_token registered with Telegram's setWebhook. */
  readonly webhookSecret: string | null;
  readonly webhookState: 'unset' | 'set' | 'error' | 'deleted';
  readonly webhookError: string | null;
}

interface ChannelDbRow {
  id: string;
  type: ChannelType;
  agent_id: string;
  enabled: number;
  settings: string;
  webhook_secret: string | null;
  webhook_state: ChannelRow['webhookState'];
  webhook_error: string | null;
}

const toChannel = (r: ChannelDbRow): ChannelRow => ({
  id: r.id,
  type: r.type,
  agentId: r.agent_id,
  enabled: r.enabled === 1,
  settings: JSON.parse(r.settings) as ChannelRow['settings'],
  webhookSecret: r.webhook_secret,
  webhookState: r.webhook_state,
  webhookError: r.webhook_error,
});

/** Agents and channels as last applied by the control plane. */
export class ConfigRepository {
  constructor(private readonly db: Db) {}

  /** Replaces agents and channels in one transaction; keeps each channel's webhook secret. */
  apply(cfg: ApplyConfigRequest): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM agents').run();
      const insertAgent = this.db.prepare(
        'INSERT INTO agents (id, name, instructions, provider, model, enabled) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const a of cfg.agents) insertAgent.run(a.id, a.name, a.instructions, a.provider, a.model, a.enabled ? 1 : 0);
      const keep = new Set(cfg.channels.map((c) => c.id));
      for (const existing of this.listChannels())
        if (!keep.has(existing.id)) this.db.prepare('DELETE FROM channels WHERE id = ?').run(existing.id);
      const upsert = this.db.prepare(
        `INSERT INTO channels (id, type, agent_id, enabled, settings) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET type = excluded.type, agent_id = excluded.agent_id, enabled = excluded.enabled, settings = excluded.settings`,
      );
      for (const c of cfg.channels)
        upsert.run(c.id, c.type, c.agentId, c.enabled ? 1 : 0, JSON.stringify(channelSettings(c)));
    })();
  }

  listAgents(): AgentRow[] {
    return this.db
      .prepare<[], Omit<AgentRow, 'enabled'> & { enabled: number }>(
        'SELECT id, name, instructions, provider, model, enabled FROM agents ORDER BY id',
      )
      .all()
      .map((r) => ({ ...r, enabled: r.enabled === 1 }));
  }

  getAgent(id: string): AgentRow | undefined {
    return this.listAgents().find((a) => a.id === id);
  }

  listChannels(): ChannelRow[] {
    return this.db.prepare<[], ChannelDbRow>('SELECT * FROM channels ORDER BY id').all().map(toChannel);
  }

  getChannel(id: string): ChannelRow | undefined {
    const r = this.db.prepare<[string], ChannelDbRow>('SELECT * FROM channels WHERE id = ?').get(id);
    return r ? toChannel(r) : undefined;
  }

  /** The channel's webhook secret, created on first use (random, 256 bits). */
  ensureWebhookSecret(channelId: string): string {
    const existing = this.getChannel(channelId)?.webhookSecret;
    if (existing) return existing;
    const secret = randomBytes(32).toString('base64url');
    this.db.prepare('UPDATE channels SET webhook_secret = ? WHERE id = ?').run(secret, channelId);
    return secret;
  }

  setWebhookState(channelId: string, state: ChannelRow['webhookState'], error: string | null = null): void {
    this.db
      .prepare('UPDATE channels SET webhook_state = ?, webhook_error = ? WHERE id = ?')
      .run(state, error, channelId);
  }
}

function channelSettings(c: ChannelConfig): ChannelRow['settings'] {
  if (c.type === 'api') return { api: c.api };
  if (c.type === 'web') return { widget: c.widget };
  if (c.type !== 'whatsapp') return {};
  return {
    phoneNumberId: c.phoneNumberId,
    verifyToken: c.verifyToken,
    ...(c.windowTemplate ? { windowTemplate: c.windowTemplate } : {}),
  };
}
