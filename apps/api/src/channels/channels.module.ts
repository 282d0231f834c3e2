import { Module } from '@nestjs/common';
import { NodeDeliveryModule } from '@enclave/node-delivery';
import { SecretsModule } from '../secrets/secrets.module';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { ChannelsController } from './channels.controller';
import { ChannelsService } from './channels.service';

@Module({
  imports: [NodeDeliveryModule, SecretsModule, WorkspaceAccessModule],
  controllers: [ChannelsController],
  providers: [ChannelsService],
})
export class ChannelsModule {}
