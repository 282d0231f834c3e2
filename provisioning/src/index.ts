export * from './ssh/ssh-executor';
export * from './bundle/bundle-builder';
export * from './host/node-host';
export * from './tls/csr';
