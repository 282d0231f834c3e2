export * from './schemas';
export * from './signing';
export * from './node-session';
