import { randomBytes } from 'node:crypto';
import type { WidgetSettings } from '@enclave/node-protocol';
import type { InboundStore } from '../channels/inbound-store';
import { NODE_ERROR, NodeError } from '../http/node-error';
import type { ChannelRow, ConfigRepository } from '../storage/config.repository';
import type { Transaction } from '../storage/database';
import type { SecretRepository } from '../storage/secret.repository';
import type { WidgetHub } from './widget-hub';
import type { WidgetLimits } from './widget-limits';
import { isOpen, verifiedUser } from './widget-policy';
import { tokenHash, type WidgetConversation, type WidgetRepository } from './widget.repository';

export interface VisitorMessage {
  readonly text: string;
  /** Random per message, chosen by the panel: a retried POST stores the message once. */
  readonly clientId: string;
}

export interface PrechatAnswers {
  readonly name?: string;
  readonly email?: string;
  readonly phone?: string;
}

export interface WidgetDeps {
  readonly repo: WidgetRepository;
  readonly hub: WidgetHub;
  readonly limits: WidgetLimits;
  readonly config: ConfigRepository;
  readonly secrets: SecretRepository;
  readonly inbound: InboundStore;
  readonly transaction: Transaction;
  /** Hands a conversation to people (out of hours when the agent may not answer). */
  readonly handOff: (conversationId: string) => void;
  /** Told, in the transaction that starts a conversation, what the pre-chat form collected (webhooks: lead.created). */
  readonly onLead?: (conversationId: string, lead: Lead, at: number) => void;
}

/** The pre-chat answers as a lead: each field null when not asked or left empty. */
export interface Lead {
  readonly name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
}

/** The enabled web channel and its settings (one widget per node), or 404. */
export function widgetChannel(config: ConfigRepository): ChannelRow & { settings: { widget: WidgetSettings } } {
  const channel = config.listChannels().find((c) => c.type === 'web' && c.enabled && c.settings.widget);
  if (!channel) throw new NodeError(NODE_ERROR.notFound, 'no widget is configured');
  return channel as ChannelRow & { settings: { widget: WidgetSettings } };
}

/**
 * Visitors' conversations: a conversation starts with its first message (nothing exists before
 * the visitor writes), identified by a random 192-bit id only the visitor's browser holds; the
 * node keeps its hash. Messages go through the channels' inbound store, so the reply queue,
 * handoff, inbox, retention, export and erase treat them like any channel's.
 */
export class WidgetService {
  constructor(private readonly deps: WidgetDeps) {}

  start(
    ip: string,
    body: { message: VisitorMessage; prechat: PrechatAnswers; identity?: { userId: string; userHash: string } },
  ): { conversationId: string; eventId: number } {
    const channel = widgetChannel(this.deps.config);
    const settings = channel.settings.widget;
    requirePrechat(settings, body.prechat);
    this.checkLength(settings, body.message.text);
    const userId = verifiedUser(
      settings,
      this.deps.secrets.resolve('widget_identity_secret', channel.id),
      body.identity,
    );
    this.deps.limits.conversationAllowed(ip, settings.limits.conversationsPerIpPerDay);
    const token = randomBytes(24).toString('base64url');
    const hash = tokenHash(token);
    const handle = [body.prechat.email, body.prechat.phone].filter(Boolean).join(' · ') || null;
    const conversation = this.deps.transaction(() => {
      const now = Date.now();
      const id = this.deps.repo.create(
        channel.id,
        hash,
        { name: body.prechat.name ?? null, handle, language: settings.language },
        userId,
        now,
      );
      const { name = null, email = null, phone = null } = body.prechat;
      this.deps.onLead?.(id, { name, email, phone }, now);
      return { conversationId: id, channelId: channel.id, tokenHash: hash, userId };
    });
    const eventId = this.store(channel, settings, conversation, body.message, ip);
    return { conversationId: token, eventId };
  }

  post(ip: string, token: string, message: VisitorMessage): { eventId: number } {
    const channel = widgetChannel(this.deps.config);
    const conversation = this.conversation(token);
    this.checkLength(channel.settings.widget, message.text);
    return { eventId: this.store(channel, channel.settings.widget, conversation, message, ip) };
  }

  /**
   * The visitor's conversation, or 404 (unknown, forged, erased or purged). With identity
   * verification on, one that started without a verified user (before it was turned on) is 403.
   */
  conversation(token: string): WidgetConversation {
    const found = /^[A-Za-z0-9_-]{32}$/.test(token) ? this.deps.repo.find(tokenHash(token)) : undefined;
    if (!found) throw new NodeError(NODE_ERROR.notFound, 'no such conversation');
    if (found.userId === null && widgetChannel(this.deps.config).settings.widget.identityVerification)
      throw new NodeError(NODE_ERROR.forbidden, 'identity verification is required', { reason: 'identity_required' });
    return found;
  }

  private checkLength(settings: WidgetSettings, text: string): void {
    if (text.length > settings.limits.maxMessageLength)
      throw new NodeError(
        NODE_ERROR.payloadTooLarge,
        `a message is at most ${settings.limits.maxMessageLength} characters`,
        {
          maxLength: settings.limits.maxMessageLength,
        },
      );
  }

  private store(
    channel: ChannelRow,
    settings: WidgetSettings,
    conversation: WidgetConversation,
    message: VisitorMessage,
    ip: string,
  ): number {
    const { repo, inbound, hub, limits } = this.deps;
    const existing = this.duplicateOf(conversation, message.clientId);
    if (existing !== undefined) return existing;
    limits.messageAllowed(ip, conversation.conversationId, settings.limits.messagesPerMinute);
    const now = Date.now();
    let eventId = 0;
    // The inbound store commits in its own (durable) transaction; `each` runs inside it.
    inbound.store(
      channel,
      [
        {
          channelId: channel.id,
          eventKey: `${conversation.conversationId}:${message.clientId}`,
          externalChatId: conversation.tokenHash,
          externalMessageId: message.clientId,
          kind: 'text',
          text: message.text,
          receivedAt: now,
        },
      ],
      (stored) => {
        eventId = repo.addEvent(stored.conversationId, stored.messageId, now);
        if (settings.hours && !settings.hours.agentAnswersOutOfHours && !isOpen(settings.hours))
          this.deps.handOff(stored.conversationId);
      },
    );
    hub.publish(conversation.conversationId);
    return eventId || (this.duplicateOf(conversation, message.clientId) ?? 0);
  }

  private duplicateOf(conversation: WidgetConversation, clientId: string): number | undefined {
    const messageId = this.deps.repo.messageByClientId(conversation.conversationId, clientId);
    return messageId === undefined ? undefined : this.deps.repo.eventOf(messageId);
  }
}

function requirePrechat(settings: WidgetSettings, answers: PrechatAnswers): void {
  for (const field of ['name', 'email', 'phone'] as const) {
    const mode = settings.prechat[field];
    if (mode === 'required' && !answers[field]?.trim())
      throw new NodeError(NODE_ERROR.validationFailed, `${field} is required`, [
        { path: `prechat.${field}`, message: 'required' },
      ]);
    if (mode === 'off' && answers[field])
      throw new NodeError(NODE_ERROR.validationFailed, `${field} is not asked for`, [
        { path: `prechat.${field}`, message: 'not asked for' },
      ]);
  }
}
