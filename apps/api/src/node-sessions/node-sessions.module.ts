import { Module } from '@nestjs/common';
import { NodeDeliveryModule } from '@enclave/node-delivery';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { NodeSessionsController } from './node-sessions.controller';
import { NodeSessionsService } from './node-sessions.service';

/** Node sessions: how the dashboard's browser gets to talk to the workspace's node directly (the inbox). */
@Module({
  imports: [NodeDeliveryModule, WorkspaceAccessModule],
  controllers: [NodeSessionsController],
  providers: [NodeSessionsService],
})
export class NodeSessionsModule {}
