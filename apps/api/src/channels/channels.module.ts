import { Module } from '@nestjs/common';
import { NodeClientModule } from '../node-client/node-client.module';
import { SecretsModule } from '../secrets/secrets.module';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { ChannelsController } from './channels.controller';
import { ChannelsService } from './channels.service';

@Module({
  imports: [NodeClientModule, SecretsModule, WorkspaceAccessModule],
  controllers: [ChannelsController],
  providers: [ChannelsService],
})
export class ChannelsModule {}
