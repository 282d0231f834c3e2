import { defineErrors } from '@enclave/platform';

export const DATA_LIFECYCLE_ERRORS = defineErrors({
  conversationNotFound: {
    kind: 'not_found',
    code: 'conversation_not_found',
    message: 'The node has no such conversation.',
  },
});
