import { defineErrors } from '@enclave/platform';
import { AGENT_ERRORS } from '../agents/agents.errors';

export const API_KEY_ERRORS = defineErrors({
  limit: { kind: 'conflict', code: 'api_key_limit', message: 'A workspace has at most 20 active chat API keys.' },
  notFound: { kind: 'not_found', code: 'api_key_not_found', message: 'No such API key.' },
  /** The body names an agent the workspace does not have: the agent's code, but a 400. */
  unknownAgent: { kind: 'invalid', code: AGENT_ERRORS.notFound.code, message: 'No such agent in this workspace.' },
});
