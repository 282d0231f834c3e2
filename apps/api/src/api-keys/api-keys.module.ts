import { Module } from '@nestjs/common';
import { NodeDeliveryModule } from '@enclave/node-delivery';
import { SecretsModule } from '../secrets/secrets.module';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';

@Module({
  imports: [NodeDeliveryModule, SecretsModule, WorkspaceAccessModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService],
})
export class ApiKeysModule {}
