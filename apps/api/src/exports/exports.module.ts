import { Module } from '@nestjs/common';
import { NodeClientModule } from '../node-client/node-client.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { DataLifecycleController } from './data-lifecycle.controller';
import { DataLifecycleService } from './data-lifecycle.service';

@Module({ imports: [NodeClientModule, WorkspacesModule], controllers: [DataLifecycleController], providers: [DataLifecycleService] })
export class ExportsModule {}
