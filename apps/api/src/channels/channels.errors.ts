import { defineErrors } from '@enclave/platform';
import { AGENT_ERRORS } from '../agents/agents.errors';

export const CHANNEL_ERRORS = defineErrors({
  limit: { kind: 'conflict', code: 'channel_limit', message: 'A workspace has at most 50 channels.' },
  wrongCredentials: {
    kind: 'invalid',
    code: 'wrong_credentials_for_channel',
    message: 'These credentials do not fit this type of channel.',
  },
  /** The body names an agent the workspace does not have: the agent's code, but a 400 (the channel route exists). */
  unknownAgent: { kind: 'invalid', code: AGENT_ERRORS.notFound.code, message: 'No such agent in this workspace.' },
  notFound: { kind: 'not_found', code: 'channel_not_found', message: 'No such channel.' },
  whatsAppOnly: {
    kind: 'invalid',
    code: 'whatsapp_only',
    message: 'Only a WhatsApp channel has a template for its 24-hour window.',
  },
});
