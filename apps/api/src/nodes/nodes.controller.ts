import { Controller, Get, HttpCode, Param, Post, type RawBodyRequest, Req } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { HealthChecks, HeartbeatRequest } from '@enclave/node-protocol';
import { NodeEntity, type UserEntity } from '@enclave/persistence';
import { DataSource, Not } from 'typeorm';
import { type AppRequest, CurrentUser, SignedCaller } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import { NodeHealthDto } from './dto/node.dto';
import { NodesService, type SignedNodeRequest } from './nodes.service';

function signed(request: RawBodyRequest<AppRequest>): SignedNodeRequest {
  return {
    method: request.method,
    path: request.originalUrl,
    headers: request.headers,
    rawBody: request.rawBody,
    ip: request.ip ?? null,
  };
}

/**
 * Routes agent nodes call (node protocol, `CONTROL_PLANE_ROUTES`): public to sessions,
 * authenticated by the node's Ed25519 signature over the exact path and raw body.
 */
@ApiTags('nodes')
@Controller('v1/nodes')
export class NodeCallbacksController {
  constructor(private readonly nodes: NodesService) {}

  @SignedCaller()
  @Post('enrol')
  @HttpCode(201)
  @ApiExcludeEndpoint()
  enrol(@Req() request: RawBodyRequest<AppRequest>) {
    return this.nodes.enrol(signed(request));
  }

  @SignedCaller()
  @Post(':nodeId/heartbeats')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  heartbeat(@Param('nodeId') nodeId: string, @Req() request: RawBodyRequest<AppRequest>) {
    return this.nodes.heartbeat(nodeId, signed(request));
  }
}

/** The workspace node's health for the dashboard (members). */
@ApiTags('nodes')
@Controller('workspaces/:id/node-health')
export class NodeHealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
    private readonly nodes: NodesService,
  ) {}

  @Get()
  @ApiOkResponse({ type: NodeHealthDto })
  async get(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<NodeHealthDto> {
    await this.access.require(id, user.id, 'member');
    const node = await this.dataSource
      .getRepository(NodeEntity)
      .findOne({ where: { workspaceId: id, status: Not('wiped') }, order: { createdAt: 'DESC' } });
    if (!node) return { node: null };
    return {
      node: {
        id: node.id,
        status: this.nodes.effectiveStatus(node),
        reportedState: node.reportedState,
        version: node.reportedVersion,
        enrolledAt: node.enrolledAt?.toISOString() ?? null,
        lastHeartbeatAt: node.lastHeartbeatAt?.toISOString() ?? null,
        checks: (node.health as { checks?: HealthChecks } | null)?.checks ?? null,
        knowledge: (node.health as { knowledge?: HeartbeatRequest['knowledge'] } | null)?.knowledge ?? null,
      },
    };
  }
}
