import { type DynamicModule, Global, Module } from '@nestjs/common';
import { loadConfig } from './load-config';

/** Injection token of the validated control-plane configuration. */
export const CONFIG = Symbol('CONFIG');

@Global()
@Module({})
export class ConfigModule {
  /** Validates `env` (process.env by default) once; the app refuses to start on a bad value. */
  static forRoot(env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: CONFIG, useValue: loadConfig(env) }],
      exports: [CONFIG],
    };
  }
}
