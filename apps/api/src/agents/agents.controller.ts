import { Body, Controller, Delete, Get, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '@enclave/audit';
import type { UserEntity } from '@enclave/persistence';
import { Actor, CurrentUser } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { DeliveryResultDto } from '../nodes/dto/node.dto';
import { AgentsService } from './agents.service';
import { AgentDto, AgentResultDto, CreateAgentDto, UpdateAgentDto } from './dto/agent.dto';

/** Members read, admins create and change, owners delete; each change is pushed to the node. */
@ApiTags('agents')
@Controller('workspaces/:id/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Get()
  @ApiOkResponse({ type: AgentDto, isArray: true })
  list(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<AgentDto[]> {
    return this.agents.list(id, user.id);
  }

  @Post()
  @ApiCreatedResponse({ type: AgentResultDto })
  create(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Body() body: CreateAgentDto,
    @Actor() actor: AuditActor,
  ): Promise<AgentResultDto> {
    return this.agents.create(id, user.id, body, actor);
  }

  @Get(':agentId')
  @ApiOkResponse({ type: AgentDto })
  get(
    @UuidParam('id') id: string,
    @UuidParam('agentId') agentId: string,
    @CurrentUser() user: UserEntity,
  ): Promise<AgentDto> {
    return this.agents.get(id, user.id, agentId);
  }

  @Patch(':agentId')
  @ApiOkResponse({ type: AgentResultDto })
  update(
    @UuidParam('id') id: string,
    @UuidParam('agentId') agentId: string,
    @CurrentUser() user: UserEntity,
    @Body() body: UpdateAgentDto,
    @Actor() actor: AuditActor,
  ): Promise<AgentResultDto> {
    return this.agents.update(id, user.id, agentId, body, actor);
  }

  @Delete(':agentId')
  @ApiOkResponse({ type: DeliveryResultDto })
  remove(
    @UuidParam('id') id: string,
    @UuidParam('agentId') agentId: string,
    @CurrentUser() user: UserEntity,
    @Actor() actor: AuditActor,
  ): Promise<DeliveryResultDto> {
    return this.agents.remove(id, user.id, agentId, actor);
  }
}
