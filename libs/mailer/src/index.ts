export * from './mailer.service';
export * from './mailer.module';
