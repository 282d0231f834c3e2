export * from './mailer.service';
export * from './owner-notices';
export * from './owner-notifier';
export * from './team-notices';
export * from './mailer.module';
export * from './marketing-mailer';
