import { type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { CONFIG, type ControlPlaneConfig, domainError } from '@enclave/platform';
import { AUTH_ERRORS } from './auth.errors';

function oauthGuard(provider: 'github' | 'google', clientIdKey: 'GITHUB_CLIENT_ID' | 'GOOGLE_CLIENT_ID') {
  @Injectable()
  class ProviderGuard extends AuthGuard(provider) {
    constructor(@Inject(CONFIG) readonly config: ControlPlaneConfig) {
      super({ session: false });
    }

    override canActivate(context: ExecutionContext) {
      if (!this.config[clientIdKey])
        throw domainError(AUTH_ERRORS.providerDisabled, { message: `Sign-in with ${provider} is not enabled.` });
      return super.canActivate(context);
    }
  }
  return ProviderGuard;
}

export const GitHubAuthGuard = oauthGuard('github', 'GITHUB_CLIENT_ID');
export const GoogleAuthGuard = oauthGuard('google', 'GOOGLE_CLIENT_ID');
