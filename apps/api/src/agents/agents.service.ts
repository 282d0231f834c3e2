import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { domainError } from '@enclave/platform';
import { AgentEntity, ApiKeyEntity, ChannelEntity } from '@enclave/persistence';
import { bumpConfigRevision, type DeliveryState, NodeSyncService } from '@enclave/node-delivery';
import { DataSource, IsNull } from 'typeorm';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import { AGENT_ERRORS } from './agents.errors';
import type { AgentDto, CreateAgentDto, UpdateAgentDto } from './dto/agent.dto';

export function toAgentDto(agent: AgentEntity): AgentDto {
  return {
    id: agent.id,
    name: agent.name,
    instructions: agent.instructions,
    provider: agent.provider,
    model: agent.model,
    enabled: agent.enabled,
    createdAt: agent.createdAt.toISOString(),
    updatedAt: agent.updatedAt.toISOString(),
  };
}

/** Agents of a workspace; every change bumps the config revision and is pushed to the node. */
@Injectable()
export class AgentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
    private readonly audit: AuditService,
    private readonly sync: NodeSyncService,
  ) {}

  async list(workspaceId: string, userId: string): Promise<AgentDto[]> {
    await this.access.require(workspaceId, userId, 'member');
    return (
      await this.dataSource.getRepository(AgentEntity).find({ where: { workspaceId }, order: { createdAt: 'ASC' } })
    ).map(toAgentDto);
  }

  async get(workspaceId: string, userId: string, agentId: string): Promise<AgentDto> {
    await this.access.require(workspaceId, userId, 'member');
    return toAgentDto(await this.find(workspaceId, agentId));
  }

  async create(
    workspaceId: string,
    userId: string,
    input: CreateAgentDto,
    actor: AuditActor,
  ): Promise<{ agent: AgentDto; delivery: DeliveryState }> {
    const agent = await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      if ((await manager.countBy(AgentEntity, { workspaceId })) >= 50) throw domainError(AGENT_ERRORS.limit);
      const created = await manager.save(AgentEntity, manager.create(AgentEntity, { workspaceId, ...input }));
      const revision = await bumpConfigRevision(manager, workspaceId);
      await this.audit.record(manager, {
        actor,
        action: 'agent.created',
        workspaceId,
        target: { type: 'agent', id: created.id },
        details: {
          provider: created.provider,
          model: created.model,
          enabled: created.enabled,
          instructionsLength: created.instructions.length,
          revision,
        },
      });
      return created;
    });
    return { agent: toAgentDto(agent), delivery: await this.sync.afterChange(workspaceId) };
  }

  async update(
    workspaceId: string,
    userId: string,
    agentId: string,
    input: UpdateAgentDto,
    actor: AuditActor,
  ): Promise<{ agent: AgentDto; delivery: DeliveryState }> {
    const agent = await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'admin', manager);
      const current = await this.find(workspaceId, agentId, manager);
      const changed = Object.keys(input).filter(
        (key) => input[key as keyof UpdateAgentDto] !== current[key as keyof UpdateAgentDto],
      );
      Object.assign(current, input);
      const saved = await manager.save(current);
      const revision = await bumpConfigRevision(manager, workspaceId);
      await this.audit.record(manager, {
        actor,
        action: 'agent.updated',
        workspaceId,
        target: { type: 'agent', id: agentId },
        details: { changed, provider: saved.provider, model: saved.model, enabled: saved.enabled, revision },
      });
      return saved;
    });
    return { agent: toAgentDto(agent), delivery: await this.sync.afterChange(workspaceId) };
  }

  async remove(
    workspaceId: string,
    userId: string,
    agentId: string,
    actor: AuditActor,
  ): Promise<{ delivery: DeliveryState }> {
    await this.dataSource.transaction(async (manager) => {
      await this.access.require(workspaceId, userId, 'owner', manager);
      await this.find(workspaceId, agentId, manager);
      if (
        (await manager.existsBy(ChannelEntity, { workspaceId, agentId })) ||
        (await manager.existsBy(ApiKeyEntity, { workspaceId, agentId, revokedAt: IsNull() }))
      ) {
        throw domainError(AGENT_ERRORS.inUse);
      }
      await manager.delete(AgentEntity, { id: agentId, workspaceId });
      const revision = await bumpConfigRevision(manager, workspaceId);
      await this.audit.record(manager, {
        actor,
        action: 'agent.deleted',
        workspaceId,
        target: { type: 'agent', id: agentId },
        details: { revision },
      });
    });
    return { delivery: await this.sync.afterChange(workspaceId) };
  }

  private async find(workspaceId: string, agentId: string, manager = this.dataSource.manager): Promise<AgentEntity> {
    const agent = await manager.findOneBy(AgentEntity, { id: agentId, workspaceId });
    if (!agent) throw domainError(AGENT_ERRORS.notFound);
    return agent;
  }
}
