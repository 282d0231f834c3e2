import { Global, Module } from '@nestjs/common';
import { WorkspaceAccessService } from './workspace-access.service';

/** The one access check, available everywhere without importing the workspaces feature (no import cycles). */
@Global()
@Module({ providers: [WorkspaceAccessService], exports: [WorkspaceAccessService] })
export class WorkspaceAccessModule {}
