export * from './postgres';
export * from './test-database';
export * from './test-redis';
export * from './sshd';
export * from './private-redis';
export * from './leak-scan';
export * from './at-rest-haystacks';
export * from './at-rest-scan';
