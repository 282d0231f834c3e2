export * from './ssh/ssh-executor';
