import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import type { AuditActor } from '@enclave/audit';
import type { UserEntity } from '@enclave/persistence';
import { Actor, CurrentUser } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { NODE_SESSIONS_PER_MINUTE, NodeSessionThrottlerGuard } from './node-session-throttler.guard';
import { CreateNodeSessionDto, NodeSessionDto } from './node-sessions.dto';
import { NodeSessionsService } from './node-sessions.service';

@ApiTags('node-sessions')
@Controller('workspaces/:id/node-sessions')
@UseGuards(NodeSessionThrottlerGuard)
export class NodeSessionsController {
  constructor(private readonly sessions: NodeSessionsService) {}

  /**
   * Any member: a short-lived token (≤ 15 min) the workspace's node accepts from this user's
   * browser, and the node's URL. The browser then talks to the node directly; content never
   * passes through the control plane. 409 `node_not_ready` while the workspace has no running node.
   */
  @Post()
  @Throttle({ default: { limit: NODE_SESSIONS_PER_MINUTE, ttl: 60_000 } })
  @ApiCreatedResponse({ type: NodeSessionDto })
  create(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Body() body: CreateNodeSessionDto,
    @Actor() actor: AuditActor,
  ): Promise<NodeSessionDto> {
    return this.sessions.create(id, user.id, body.renewal === true, actor);
  }
}
