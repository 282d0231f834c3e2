import { Module } from '@nestjs/common';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { UsageController } from './usage.controller';
import { UsageService } from './usage.service';

@Module({ imports: [WorkspacesModule], controllers: [UsageController], providers: [UsageService] })
export class UsageModule {}
