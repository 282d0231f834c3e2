import { Module } from '@nestjs/common';
import { NodeDeliveryModule } from '@enclave/node-delivery';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { DataLifecycleController } from './data-lifecycle.controller';
import { DataLifecycleService } from './data-lifecycle.service';

@Module({
  imports: [NodeDeliveryModule, WorkspaceAccessModule],
  controllers: [DataLifecycleController],
  providers: [DataLifecycleService],
})
export class ExportsModule {}
