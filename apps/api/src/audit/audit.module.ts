import { Module } from '@nestjs/common';
import { StaffAuditController } from '../staff/staff-audit.controller';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AuditQueryService } from './audit-query.service';
import { WorkspaceAuditController } from './workspace-audit.controller';

@Module({
  imports: [WorkspacesModule],
  controllers: [WorkspaceAuditController, StaffAuditController],
  providers: [AuditQueryService],
})
export class AuditApiModule {}
