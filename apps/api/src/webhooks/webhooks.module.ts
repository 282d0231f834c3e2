import { Module } from '@nestjs/common';
import { NodeDeliveryModule } from '@enclave/node-delivery';
import { SecretsModule } from '../secrets/secrets.module';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { TranscriptsService } from './transcripts.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [NodeDeliveryModule, SecretsModule, WorkspaceAccessModule],
  controllers: [WebhooksController],
  providers: [WebhooksService, TranscriptsService],
})
export class WebhooksModule {}
