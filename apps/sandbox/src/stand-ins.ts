import type { StandIn } from './sandbox';
import { createTelegramStandIn } from './telegram/telegram.stand-in';
import { createOpenAiStandIn } from './openai/openai.stand-in';

export interface SandboxOptions {
  /** Port of the SMTP catcher; 0 picks a free one (tests). */
  readonly smtpPort: number;
}

/**
 * Every stand-in the sandbox serves. Each provider folder exports a factory; add one line
 * here when a new provider is added.
 */
export function createStandIns(_options: SandboxOptions): StandIn[] {
  return [
    createTelegramStandIn(),
    createOpenAiStandIn(),
  ];
}
