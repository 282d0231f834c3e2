export * from './postgres';
export * from './test-database';
export * from './test-redis';
export * from './sshd';
export * from './private-redis';
