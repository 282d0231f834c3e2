import type { SecretKind } from '@enclave/node-protocol';
import { domainError } from '@enclave/platform';
import { SECRET_ERRORS } from './secrets.errors';

interface CredentialShape {
  provider: 'openai' | 'anthropic' | 'telegram' | 'whatsapp';
  pattern: RegExp;
  /** What the provider issues, for the 400's message. */
  expected: string;
}

/**
 * What each provider issues, checked before the provider is asked (so a key no provider could
 * have issued is a 400 `credential_malformed`, never a failed call reported as "unreachable")
 * and before anything is stored. Loose enough for every key format the providers document.
 */
export const CREDENTIAL_SHAPES: Record<SecretKind, CredentialShape> = {
  openai_api_key: {
    provider: 'openai',
    pattern: /^sk-[A-Za-z0-9_-]{20,400}$/,
    expected: 'An OpenAI API key is "sk-" followed by 20-400 letters, digits, "-" or "_".',
  },
  anthropic_api_key: {
    provider: 'anthropic',
    pattern: /^sk-ant-[A-Za-z0-9_-]{20,400}$/,
    expected: 'An Anthropic API key is "sk-ant-" followed by 20-400 letters, digits, "-" or "_".',
  },
  telegram_bot_token: {
    provider: 'telegram',
    pattern: /^\d{1,20}:[A-Za-z0-9_-]{30,100}$/,
    expected: 'A Telegram bot token is the bot id (digits), ":", then 30-100 letters, digits, "-" or "_".',
  },
  whatsapp_access_token: {
    provider: 'whatsapp',
    pattern: /^[\x21-\x7e]{20,2048}$/,
    expected: 'A WhatsApp access token is 20-2048 printable ASCII characters without spaces.',
  },
  /** Graph API app secrets are 32 hex characters; Meta offers no call to check one. */
  whatsapp_app_secret: {
    provider: 'whatsapp',
    pattern: /^[A-Za-z0-9_-]{16,128}$/,
    expected: 'A WhatsApp app secret is 16-128 letters, digits, "-" or "_".',
  },
};

/** 400 `credential_malformed` naming the request field when `value` is not shaped as `kind` is issued. */
export function requireCredentialShape(kind: SecretKind, field: string, value: string): void {
  const shape = CREDENTIAL_SHAPES[kind];
  if (shape.pattern.test(value)) return;
  throw domainError(SECRET_ERRORS.credentialMalformed, {
    message: shape.expected,
    details: { field, provider: shape.provider },
  });
}
