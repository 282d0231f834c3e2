import { Module } from '@nestjs/common';
import { NodeClientModule } from '../node-client/node-client.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';

@Module({ imports: [NodeClientModule, WorkspacesModule], controllers: [AgentsController], providers: [AgentsService] })
export class AgentsModule {}
