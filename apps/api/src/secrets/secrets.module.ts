import { Module } from '@nestjs/common';
import { NodeClientModule } from '../node-client/node-client.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { SecretsController } from './secrets.controller';
import { SecretsService } from './secrets.service';

@Module({ imports: [NodeClientModule, WorkspacesModule], controllers: [SecretsController], providers: [SecretsService], exports: [SecretsService] })
export class SecretsModule {}
