import { Module } from '@nestjs/common';
import { NodeDeliveryModule } from '@enclave/node-delivery';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';

@Module({
  imports: [NodeDeliveryModule, WorkspaceAccessModule],
  controllers: [AgentsController],
  providers: [AgentsService],
})
export class AgentsModule {}
