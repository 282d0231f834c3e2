export * from './audit-hash';
export * from './audit.types';
export * from './audit.service';
export * from './audit-chain.subscriber';
export * from './audit-chain-verifier';
export * from './audit-retention';
export * from './audit.module';
