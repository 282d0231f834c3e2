import {
  type DynamicModule,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type Provider,
  RequestMethod,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { Inject } from '@nestjs/common';
import { urlencoded } from 'express';
import { AppleSignInService } from './apple/apple-sign-in.service';
import { AppleController } from './apple/apple.controller';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { CrossSiteGuard } from './cross-site.guard';
import { MagicLinkService } from './magic-link.service';
import { MeController } from './me.controller';
import { SessionGuard } from './session.guard';
import { SessionService } from './session.service';
import { rememberMarketingChoice } from './sign-in-finish';
import { GitHubStrategy } from './strategies/github.strategy';
import { GoogleStrategy } from './strategies/google.strategy';

@Module({})
export class AuthModule implements NestModule {
  constructor(@Inject(CONFIG) private readonly config: ControlPlaneConfig) {}

  /** Apple's form_post callback is form-encoded (parsed on that route only); GitHub and Google keep the sign-up marketing box. */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(urlencoded({ extended: false, limit: '16kb' }))
      .forRoutes({ path: 'auth/apple/callback', method: RequestMethod.POST });
    consumer
      .apply(rememberMarketingChoice(this.config))
      .forRoutes(
        { path: 'auth/github', method: RequestMethod.GET },
        { path: 'auth/google', method: RequestMethod.GET },
      );
  }

  /** OAuth strategies exist only for the providers the configuration enables. */
  static register(config: ControlPlaneConfig): DynamicModule {
    const strategies: Provider[] = [];
    if (config.GITHUB_CLIENT_ID) strategies.push(GitHubStrategy);
    if (config.GOOGLE_CLIENT_ID) strategies.push(GoogleStrategy);
    return {
      module: AuthModule,
      imports: [PassportModule.register({ session: false })],
      controllers: [AuthController, MeController, AppleController],
      providers: [
        AuthService,
        SessionService,
        MagicLinkService,
        AppleSignInService,
        ...strategies,
        // Global guards run in this order: refuse cross-site writes before looking up the session.
        { provide: APP_GUARD, useClass: CrossSiteGuard },
        { provide: APP_GUARD, useClass: SessionGuard },
      ],
      exports: [SessionService],
    };
  }
}
