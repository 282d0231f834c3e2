import { Module } from '@nestjs/common';
import { NodeDeliveryModule } from '@enclave/node-delivery';
import { SecretsModule } from '../secrets/secrets.module';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { WidgetController } from './widget.controller';
import { WidgetService } from './widget.service';

@Module({
  imports: [NodeDeliveryModule, SecretsModule, WorkspaceAccessModule],
  controllers: [WidgetController],
  providers: [WidgetService],
})
export class WidgetModule {}
