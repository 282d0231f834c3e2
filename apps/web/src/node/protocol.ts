// The node's inbox contract, from the shared library. Imported by file rather than through the
// package index: the index also exports the node:crypto signing code, which has no place in a
// browser bundle (Vite would externalize it with a warning on every build).
export * from '@enclave/node-protocol/src/inbox';
export type { ChannelType } from '@enclave/node-protocol/src/schemas';
export * from '@enclave/node-protocol/src/webhooks';
