import { Module } from '@nestjs/common';
import { NodeDeliveryModule } from '@enclave/node-delivery';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { CREDENTIAL_CHECKS, ProviderCredentialChecks } from './credential-checks';
import { SecretsController } from './secrets.controller';
import { SecretsService } from './secrets.service';

@Module({
  imports: [NodeDeliveryModule, WorkspaceAccessModule],
  controllers: [SecretsController],
  providers: [
    SecretsService,
    {
      provide: CREDENTIAL_CHECKS,
      inject: [CONFIG],
      useFactory: (config: ControlPlaneConfig) => new ProviderCredentialChecks(config),
    },
  ],
  exports: [SecretsService, CREDENTIAL_CHECKS],
})
export class SecretsModule {}
