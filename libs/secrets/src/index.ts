export * from './crypto';
export * from './redaction';
