import { Module } from '@nestjs/common';
import { NodeDeliveryModule } from '@enclave/node-delivery';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { NodeCallbacksController, NodeHealthController } from './nodes.controller';
import { InboxNoticesService } from './inbox-notices.service';
import { NodeSuspensionService } from './node-suspension.service';
import { NodesService } from './nodes.service';
import { RedisNonceStore } from './redis-nonce.store';
import { StaffNodeController } from './staff-node.controller';
import { WebhookNoticesService } from './webhook-notices.service';

/**
 * Node callbacks (enrolment, signed heartbeats → health, version, usage) and node health for
 * the dashboard. Written with the agents/secrets work; provisioning builds on it (node records
 * are created by the provisioning engine with the enrolment token's hash).
 */
@Module({
  imports: [NodeDeliveryModule, WorkspaceAccessModule],
  controllers: [NodeCallbacksController, NodeHealthController, StaffNodeController],
  providers: [NodesService, RedisNonceStore, NodeSuspensionService, InboxNoticesService, WebhookNoticesService],
  exports: [NodesService, NodeSuspensionService],
})
export class NodesModule {}
