import { Column, Entity, PrimaryColumn } from 'typeorm';

export const USAGE_CHANNELS = ['telegram', 'whatsapp', 'web', 'api', 'model', 'inbox'] as const;
export type UsageChannel = (typeof USAGE_CHANNELS)[number];

/** Message counts per workspace, channel type and UTC day, added up from node heartbeats. Counts only. */
@Entity('usage_daily')
export class UsageDailyEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  /** `YYYY-MM-DD` (UTC). */
  @PrimaryColumn({ type: 'date' })
  day: string;

  /** `telegram` / `whatsapp`; `model` carries provider errors and fallback replies, `inbox` handoffs and human replies. */
  @PrimaryColumn({ type: 'text' })
  channel: UsageChannel;

  @Column({ type: 'int', default: 0 })
  inbound: number;

  @Column({ type: 'int', default: 0 })
  outbound: number;

  @Column({ type: 'int', default: 0 })
  failures: number;

  @Column({ name: 'provider_errors', type: 'int', default: 0 })
  providerErrors: number;

  @Column({ name: 'fallback_replies', type: 'int', default: 0 })
  fallbackReplies: number;

  /** WhatsApp messages not sent as written because the 24-hour window was closed (`whatsapp` rows). */
  @Column({ name: 'window_closed', type: 'int', default: 0 })
  windowClosed: number;

  /** Conversations the node handed to people (`inbox` rows). */
  @Column({ type: 'int', default: 0 })
  handoffs: number;

  /** Replies team members sent from the inbox (`inbox` rows). */
  @Column({ name: 'human_replies', type: 'int', default: 0 })
  humanReplies: number;

  /** Tokens the model provider reported for chat API requests (`api` rows). */
  @Column({ name: 'tokens_in', type: 'bigint', default: 0 })
  tokensIn: string;

  @Column({ name: 'tokens_out', type: 'bigint', default: 0 })
  tokensOut: string;
}
