import { Module } from '@nestjs/common';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { UsageController } from './usage.controller';
import { UsageService } from './usage.service';

@Module({ imports: [WorkspaceAccessModule], controllers: [UsageController], providers: [UsageService] })
export class UsageModule {}
