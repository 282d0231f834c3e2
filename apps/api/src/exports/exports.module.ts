import { Module } from '@nestjs/common';
import { NodeClientModule } from '../node-client/node-client.module';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { DataLifecycleController } from './data-lifecycle.controller';
import { DataLifecycleService } from './data-lifecycle.service';

@Module({
  imports: [NodeClientModule, WorkspaceAccessModule],
  controllers: [DataLifecycleController],
  providers: [DataLifecycleService],
})
export class ExportsModule {}
