import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import type { ControlPlaneConfig } from '@enclave/platform';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { CrossSiteGuard } from './cross-site.guard';
import { MagicLinkService } from './magic-link.service';
import { MeController } from './me.controller';
import { SessionGuard } from './session.guard';
import { SessionService } from './session.service';
import { GitHubStrategy } from './strategies/github.strategy';
import { GoogleStrategy } from './strategies/google.strategy';

@Module({})
export class AuthModule {
  /** OAuth strategies exist only for the providers the configuration enables. */
  static register(config: ControlPlaneConfig): DynamicModule {
    const strategies: Provider[] = [];
    if (config.GITHUB_CLIENT_ID) strategies.push(GitHubStrategy);
    if (config.GOOGLE_CLIENT_ID) strategies.push(GoogleStrategy);
    return {
      module: AuthModule,
      imports: [PassportModule.register({ session: false })],
      controllers: [AuthController, MeController],
      providers: [
        AuthService,
        SessionService,
        MagicLinkService,
        ...strategies,
        // Global guards run in this order: refuse cross-site writes before looking up the session.
        { provide: APP_GUARD, useClass: CrossSiteGuard },
        { provide: APP_GUARD, useClass: SessionGuard },
      ],
      exports: [SessionService],
    };
  }
}
