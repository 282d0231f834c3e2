/** Fixed texts the node sends without asking a model. */
export const REPLY_TEXT = {
  fallback: "Sorry, I can't answer right now. Please try again in a little while.",
  unsupported: 'Sorry, I can only read text messages for now. Please send your question as text.',
} as const;
