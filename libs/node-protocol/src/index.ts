export * from './schemas';
export * from './node-to-control-plane';
export * from './signing';
export * from './node-session';
export * from './text';
export * from './inbox';
export * from './inbox-notices';
export * from './webhooks';
