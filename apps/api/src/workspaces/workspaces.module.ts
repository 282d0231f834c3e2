import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { WorkspaceAccessModule } from './workspace-access.module';
import { WorkspacesController } from './workspaces.controller';
import { MembersService } from './members.service';
import { WorkspacesService } from './workspaces.service';

@Module({
  imports: [WorkspaceAccessModule, BillingModule],
  controllers: [WorkspacesController],
  providers: [WorkspacesService, MembersService],
  exports: [WorkspaceAccessModule],
})
export class WorkspacesModule {}
