import { defineErrors } from '@enclave/platform';

export const AGENT_ERRORS = defineErrors({
  limit: { kind: 'conflict', code: 'agent_limit', message: 'A workspace has at most 50 agents.' },
  inUse: {
    kind: 'conflict',
    code: 'agent_in_use',
    message: 'Channels or chat API keys still use this agent; move, delete or revoke them first.',
  },
  notFound: { kind: 'not_found', code: 'agent_not_found', message: 'No such agent.' },
});
