import type { WhatsAppWindowTemplate } from '@enclave/node-protocol';
import type { ChannelRow } from '../storage/config.repository';
import type { WindowState } from './whatsapp-window';

/** A send to a messaging channel failed; `retryable` for network errors, 429 and 5xx. */
export class ChannelSendError extends Error {
  constructor(
    readonly code: string,
    readonly retryable: boolean,
    /** Extra diagnostic text (scrubbed by the logger); never includes message content. */
    readonly detail?: string,
    /** The provider's own error code (Graph API `error.code`), when it gave one. */
    readonly providerCode?: number,
  ) {
    super(`channel send failed: ${code}`);
    this.name = 'ChannelSendError';
  }
}

export interface SendTextInput {
  readonly channelId: string;
  readonly externalChatId: string;
  readonly text: string;
  /** Provider id of the message being answered (quoted when the provider supports it). */
  readonly replyToExternalId?: string | null;
  /** The conversation's WhatsApp window (when the user last wrote, when the template last went out). */
  readonly window: WindowState;
  /** The stored message being sent (the widget shows that message; providers take the text). */
  readonly messageId?: number;
}

/** Sends for a channel the node serves itself (the website widget): no provider in between. */
export interface LocalSender {
  send(channel: ChannelRow, input: SendTextInput): SendOutcome | Promise<SendOutcome>;
}

/**
 * What became of an outbound message: sent as written, replaced by the channel's window template
 * (WhatsApp, 24-hour window closed), or not sent at all because the window is closed.
 */
export type SendOutcome =
  | { readonly status: 'sent'; readonly externalId: string }
  | { readonly status: 'template_sent'; readonly externalId: string; readonly template: WhatsAppWindowTemplate }
  | { readonly status: 'window_closed' };
