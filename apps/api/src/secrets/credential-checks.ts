import Anthropic from '@anthropic-ai/sdk';
import { type ControlPlaneConfig, type DomainError, domainError } from '@enclave/platform';
import { Api, GrammyError } from 'grammy';
import OpenAI from 'openai';
import { SECRET_ERRORS } from './secrets.errors';

export interface TelegramBotInfo {
  botId: string;
  username: string;
}

export interface WhatsAppNumberInfo {
  phoneNumberId: string;
  displayPhoneNumber: string | null;
}

/**
 * Validates credentials against their provider before anything is stored or delivered.
 * Refused → 400 `credential_refused` naming the field; provider unreachable → 503. Callers
 * check the value's shape first (`requireCredentialShape`), so only a value the provider could
 * have issued goes on the wire.
 * Injected by token so services are unit-testable without a network.
 */
export interface CredentialChecks {
  openAiKey(key: string): Promise<void>;
  anthropicKey(key: string): Promise<void>;
  telegramBotToken(token: string): Promise<TelegramBotInfo>;
  whatsApp(accessToken: string, phoneNumberId: string): Promise<WhatsAppNumberInfo>;
}

export const CREDENTIAL_CHECKS = Symbol('CREDENTIAL_CHECKS');

export function refused(field: string, provider: string, message: string): DomainError {
  return domainError(SECRET_ERRORS.credentialRefused, { message, details: { field, provider } });
}

function unreachable(provider: string): DomainError {
  return domainError(SECRET_ERRORS.providerUnreachable, {
    message: `Could not reach ${provider} to validate the credential; nothing was stored. Try again.`,
    details: { provider },
  });
}

/** The real checks: official SDKs (OpenAI, Anthropic), grammY's Api, and the documented Graph API call. */
export class ProviderCredentialChecks implements CredentialChecks {
  constructor(private readonly config: ControlPlaneConfig) {}

  async openAiKey(key: string): Promise<void> {
    const client = new OpenAI({
      apiKey: key,
      baseURL: this.config.OPENAI_API_URL,
      timeout: this.config.CREDENTIAL_CHECK_TIMEOUT_MS,
      maxRetries: 0,
    });
    try {
      await client.models.list();
    } catch (error) {
      if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
        throw refused('value', 'openai', 'OpenAI refused this API key (models.list answered 401/403).');
      }
      throw unreachable('OpenAI');
    }
  }

  async anthropicKey(key: string): Promise<void> {
    const client = new Anthropic({
      apiKey: key,
      baseURL: this.config.ANTHROPIC_API_URL,
      timeout: this.config.CREDENTIAL_CHECK_TIMEOUT_MS,
      maxRetries: 0,
    });
    try {
      await client.models.list();
    } catch (error) {
      if (error instanceof Anthropic.AuthenticationError || error instanceof Anthropic.PermissionDeniedError) {
        throw refused('value', 'anthropic', 'Anthropic refused this API key (models.list answered 401/403).');
      }
      throw unreachable('Anthropic');
    }
  }

  async telegramBotToken(token: string): Promise<TelegramBotInfo> {
    const api = new Api(token, {
      apiRoot: this.config.TELEGRAM_API_ROOT,
      timeoutSeconds: Math.ceil(this.config.CREDENTIAL_CHECK_TIMEOUT_MS / 1000),
    });
    try {
      const me = await api.getMe();
      return { botId: String(me.id), username: me.username };
    } catch (error) {
      if (error instanceof GrammyError && error.error_code >= 400 && error.error_code < 500) {
        throw refused('botToken', 'telegram', `Telegram refused this bot token (getMe answered ${error.error_code}).`);
      }
      throw unreachable('Telegram');
    }
  }

  async whatsApp(accessToken: string, phoneNumberId: string): Promise<WhatsAppNumberInfo> {
    const base = this.config.WHATSAPP_GRAPH_API_URL.replace(/\/+$/, '');
    let response: Response;
    try {
      response = await fetch(`${base}/${this.config.WHATSAPP_GRAPH_API_VERSION}/${encodeURIComponent(phoneNumberId)}`, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.config.CREDENTIAL_CHECK_TIMEOUT_MS),
      });
    } catch {
      throw unreachable('the WhatsApp Cloud API');
    }
    const json = (await response.json().catch(() => null)) as {
      id?: string;
      display_phone_number?: string;
      error?: { code?: number };
    } | null;
    if (response.ok && json?.id === phoneNumberId)
      return { phoneNumberId, displayPhoneNumber: json.display_phone_number ?? null };
    if (response.status >= 500) throw unreachable('the WhatsApp Cloud API');
    // Graph: 190 = invalid/expired access token; 100 / unknown object = no such phone number for this token.
    if (json?.error?.code === 190 || response.status === 401) {
      throw refused(
        'accessToken',
        'whatsapp',
        'The WhatsApp Cloud API refused this access token (OAuthException 190).',
      );
    }
    throw refused(
      'phoneNumberId',
      'whatsapp',
      `The WhatsApp Cloud API does not know phone number id ${phoneNumberId} for this access token.`,
    );
  }
}
