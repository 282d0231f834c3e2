import { transcriptSettingsSchema, type ApplyConfigRequest, type TranscriptSettings } from '@enclave/node-protocol';
import type { Capability, NodeContext } from '../capability';
import { MailSendError, sendMail } from './mail-providers';
import { composeTranscript } from './transcript-text';
import { TranscriptRepository, type TranscriptMailRow } from './transcript.repository';

/** Where the settings live (the resolve trigger reads `enabled` from it). */
export const TRANSCRIPT_SETTINGS_KEY = 'transcripts.settings';
const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 6 * 3_600_000];
const PER_PASS = 20;

/**
 * Conversation transcripts mailed by the node to the addresses the customer chose, through
 * the customer's own mail provider (secret `email_provider_credential`): queued when a
 * conversation is resolved (trigger) or has been quiet for `idleMinutes`, sent with retries.
 * The control plane configures it and never sends or sees a transcript.
 */
export class TranscriptsCapability implements Capability {
  readonly name = 'transcripts';
  readonly repo: TranscriptRepository;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly ctx: NodeContext) {
    this.repo = new TranscriptRepository(ctx.db);
  }

  /** Part of applying a config (inside its transaction). */
  readonly applyConfig = (cfg: ApplyConfigRequest): void => {
    const settings = cfg.transcripts ?? null;
    this.ctx.settings.set(TRANSCRIPT_SETTINGS_KEY, JSON.stringify(settings ?? { enabled: false }));
  };

  settings(): TranscriptSettings | null {
    const raw = this.ctx.settings.get(TRANSCRIPT_SETTINGS_KEY);
    if (!raw) return null;
    const parsed = transcriptSettingsSchema.safeParse(JSON.parse(raw));
    return parsed.success && parsed.data.enabled ? parsed.data : null;
  }

  /** Queues idle transcripts, then sends what is due. Returns how many were sent. */
  async runDue(now = Date.now()): Promise<number> {
    const settings = this.settings();
    if (!settings || this.ctx.node.state() !== 'active') return 0;
    if (settings.idleMinutes !== null) this.repo.queueIdle(now - settings.idleMinutes * 60_000, now);
    let sent = 0;
    for (const row of this.repo.due(now, PER_PASS)) if (await this.send(row, settings, now)) sent += 1;
    return sent;
  }

  schedule(): void {
    const tick = () => {
      this.running = this.runDue()
        .catch((err: unknown) => this.ctx.logger.error({ err }, 'transcript pass failed'))
        .finally(() => {
          this.timer = setTimeout(tick, this.ctx.cfg.mail.pollMs);
          this.timer.unref();
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async send(row: TranscriptMailRow, settings: TranscriptSettings, now: number): Promise<boolean> {
    const { logger, secrets, cfg } = this.ctx;
    const conversation = this.repo.conversation(row.conversationId);
    if (!conversation) return false;
    const credential = secrets.resolve('email_provider_credential');
    try {
      if (!credential) throw new MailSendError('credential_missing', true);
      const mail = composeTranscript(conversation, this.repo.lines(row.conversationId, row.uptoMessageId), row.reason);
      await sendMail(
        settings.provider,
        credential,
        { from: settings.from, to: settings.recipients, ...mail },
        cfg.mail,
        { allowHosts: cfg.webhooks.testAllowHosts },
      );
      this.repo.markSent(row.id, Date.now());
      logger.info({ transcriptId: row.id, provider: settings.provider }, 'transcript mailed');
      return true;
    } catch (err) {
      const code = err instanceof MailSendError ? err.code : 'unexpected_error';
      const delay = err instanceof MailSendError && err.retryable ? RETRY_DELAYS_MS[row.attempts] : undefined;
      this.repo.markFailed(row.id, code, delay === undefined ? null : now + delay);
      logger.warn({ transcriptId: row.id, provider: settings.provider, code }, 'transcript not mailed');
      return false;
    }
  }
}
