export * from './config/config.schema';
export * from './config/load-config';
export * from './config/config.module';
export * from './errors/domain-error';
export * from './errors/error-body';
export * from './errors/all-exceptions.filter';
export * from './logging/redaction';
export * from './logging/logging.module';
