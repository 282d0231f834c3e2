import { defineErrors } from '@enclave/platform';

export const DATA_LIFECYCLE_ERRORS = defineErrors({
  conversationNotFound: {
    kind: 'not_found',
    code: 'conversation_not_found',
    message: 'The node has no such conversation.',
  },
  exportNotFound: { kind: 'not_found', code: 'export_not_found', message: 'No such export in this workspace.' },
});
