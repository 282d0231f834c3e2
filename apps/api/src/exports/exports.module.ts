import { Module } from '@nestjs/common';
import { NodeDeliveryModule } from '@enclave/node-delivery';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { DataLifecycleController } from './data-lifecycle.controller';
import { DataLifecycleService } from './data-lifecycle.service';
import { ExportRequestsService } from './export-requests.service';
import { WorkspaceNodeService } from './workspace-node.service';

@Module({
  imports: [NodeDeliveryModule, WorkspaceAccessModule],
  controllers: [DataLifecycleController],
  providers: [DataLifecycleService, ExportRequestsService, WorkspaceNodeService],
})
export class ExportsModule {}
