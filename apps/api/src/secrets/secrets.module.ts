import { Module } from '@nestjs/common';
import { NodeClientModule } from '../node-client/node-client.module';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { SecretsController } from './secrets.controller';
import { SecretsService } from './secrets.service';

@Module({
  imports: [NodeClientModule, WorkspaceAccessModule],
  controllers: [SecretsController],
  providers: [SecretsService],
  exports: [SecretsService],
})
export class SecretsModule {}
