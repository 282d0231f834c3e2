/** A send to a messaging channel failed; `retryable` for network errors, 429 and 5xx. */
export class ChannelSendError extends Error {
  constructor(
    readonly code: string,
    readonly retryable: boolean,
    /** Extra diagnostic text (scrubbed by the logger); never includes message content. */
    readonly detail?: string,
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
}
