import { Module } from '@nestjs/common';
import { NodeClientModule } from '../node-client/node-client.module';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';

@Module({
  imports: [NodeClientModule, WorkspaceAccessModule],
  controllers: [AgentsController],
  providers: [AgentsService],
})
export class AgentsModule {}
