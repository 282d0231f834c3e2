import { defineErrors } from '@enclave/platform';
import { AGENT_ERRORS } from '../agents/agents.errors';

export const WIDGET_ERRORS = defineErrors({
  notFound: { kind: 'not_found', code: 'widget_not_found', message: 'This workspace has no widget yet.' },
  unknownAgent: { kind: 'invalid', code: AGENT_ERRORS.notFound.code, message: 'No such agent in this workspace.' },
});
