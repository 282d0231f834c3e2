import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '@enclave/audit';
import type { UserEntity } from '@enclave/persistence';
import { Actor, CurrentUser } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import {
  ChangeRoleDto,
  CreateWorkspaceDto,
  InviteMemberDto,
  InviteResultDto,
  MembersDto,
  RenameWorkspaceDto,
  TransferOwnershipDto,
  SlugAvailabilityDto,
  SlugQueryDto,
  WorkspaceDto,
} from './dto/workspace.dto';
import { MembersService } from './members.service';
import { WorkspacesService } from './workspaces.service';

@ApiTags('workspaces')
@Controller('workspaces')
export class WorkspacesController {
  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly membership: MembersService,
  ) {}

  @Get()
  @ApiOkResponse({ type: WorkspaceDto, isArray: true })
  list(@CurrentUser() user: UserEntity): Promise<WorkspaceDto[]> {
    return this.workspaces.listMine(user.id);
  }

  /** Live check for the create form. */
  @Get('slug-availability')
  @ApiOkResponse({ type: SlugAvailabilityDto })
  slugAvailability(@Query() query: SlugQueryDto): Promise<SlugAvailabilityDto> {
    return this.workspaces.slugAvailability(query.slug);
  }

  @Post()
  @ApiCreatedResponse({ type: WorkspaceDto })
  create(
    @CurrentUser() user: UserEntity,
    @Body() body: CreateWorkspaceDto,
    @Actor() actor: AuditActor,
  ): Promise<WorkspaceDto> {
    return this.workspaces.create(user, body, actor);
  }

  @Get(':id')
  @ApiOkResponse({ type: WorkspaceDto })
  get(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<WorkspaceDto> {
    return this.workspaces.get(id, user.id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: WorkspaceDto })
  rename(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Body() body: RenameWorkspaceDto,
    @Actor() actor: AuditActor,
  ): Promise<WorkspaceDto> {
    return this.workspaces.rename(id, user.id, body.name, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@UuidParam('id') id: string, @CurrentUser() user: UserEntity, @Actor() actor: AuditActor): Promise<void> {
    return this.workspaces.delete(id, user.id, actor);
  }

  @Get(':id/members')
  @ApiOkResponse({ type: MembersDto })
  members(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<MembersDto> {
    return this.membership.list(id, user.id);
  }

  @Post(':id/members')
  @ApiCreatedResponse({ type: InviteResultDto })
  invite(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Body() body: InviteMemberDto,
    @Actor() actor: AuditActor,
  ): Promise<InviteResultDto> {
    return this.membership.invite(id, user, body, actor);
  }

  @Patch(':id/members/:userId')
  @HttpCode(204)
  changeRole(
    @UuidParam('id') id: string,
    @UuidParam('userId') memberId: string,
    @CurrentUser() user: UserEntity,
    @Body() body: ChangeRoleDto,
    @Actor() actor: AuditActor,
  ): Promise<void> {
    return this.membership.changeRole(id, user.id, memberId, body.role, actor);
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  removeMember(
    @UuidParam('id') id: string,
    @UuidParam('userId') memberId: string,
    @CurrentUser() user: UserEntity,
    @Actor() actor: AuditActor,
  ): Promise<void> {
    return this.membership.removeMember(id, user.id, memberId, actor);
  }

  /** An owner hands the workspace to another member and stays on as admin. */
  @Post(':id/transfer-ownership')
  @HttpCode(204)
  transferOwnership(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Body() body: TransferOwnershipDto,
    @Actor() actor: AuditActor,
  ): Promise<void> {
    return this.membership.transferOwnership(id, user.id, body.userId, actor);
  }

  @Delete(':id/invitations/:invitationId')
  @HttpCode(204)
  revokeInvitation(
    @UuidParam('id') id: string,
    @UuidParam('invitationId') invitationId: string,
    @CurrentUser() user: UserEntity,
    @Actor() actor: AuditActor,
  ): Promise<void> {
    return this.membership.revokeInvitation(id, user.id, invitationId, actor);
  }
}
