import { Body, Controller, Delete, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '@enclave/audit';
import { Actor } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { StaffGuard } from '../staff/staff.guard';
import {
  FleetNodeDto,
  FleetUpgradeDto,
  HostDto,
  JobDto,
  ProvisioningStatusDto,
  RegisterHostDto,
  RetryDto,
  StartFleetUpgradeDto,
} from './dto/provisioning.dto';
import { ProvisioningStatusService } from './provisioning-status.service';
import { StaffProvisioningService, toHostDto } from './staff-provisioning.service';

/** Staff console: provisioning runs with their logs, retries, the host pool, fleet upgrades. */
@ApiTags('staff')
@Controller('staff')
@UseGuards(StaffGuard)
export class StaffProvisioningController {
  constructor(
    private readonly staff: StaffProvisioningService,
    private readonly status: ProvisioningStatusService,
  ) {}

  @Get('workspaces/:id/provisioning')
  @ApiOkResponse({ type: ProvisioningStatusDto })
  async provisioning(@UuidParam('id') id: string): Promise<ProvisioningStatusDto> {
    return this.status.status(await this.staff.workspace(id), true);
  }

  @Post('workspaces/:id/provisioning/retry')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: RetryDto })
  retry(@UuidParam('id') id: string, @Actor() actor: AuditActor): Promise<RetryDto> {
    return this.staff.retry(id, actor);
  }

  @Post('workspaces/:id/deprovisioning/retry')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: RetryDto })
  retryDeprovision(@UuidParam('id') id: string, @Actor() actor: AuditActor): Promise<RetryDto> {
    return this.staff.retryDeprovision(id, actor);
  }

  @Get('hosts')
  @ApiOkResponse({ type: HostDto, isArray: true })
  async hosts(): Promise<HostDto[]> {
    return (await this.staff.listHosts()).map(toHostDto);
  }

  @Post('hosts')
  @ApiCreatedResponse({ type: HostDto })
  async registerHost(@Body() body: RegisterHostDto, @Actor() actor: AuditActor): Promise<HostDto> {
    return toHostDto(await this.staff.registerHost(body, actor));
  }

  @Delete('hosts/:hostId')
  @HttpCode(204)
  retireHost(@UuidParam('hostId') id: string, @Actor() actor: AuditActor): Promise<void> {
    return this.staff.retireHost(id, actor);
  }

  @Get('fleet/nodes')
  @ApiOkResponse({ type: FleetNodeDto, isArray: true })
  fleet(): Promise<FleetNodeDto[]> {
    return this.staff.fleet();
  }

  @Post('fleet/upgrades')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: FleetUpgradeDto })
  startUpgrade(@Body() body: StartFleetUpgradeDto, @Actor() actor: AuditActor) {
    return this.staff.startUpgrade(body, actor);
  }

  @Get('fleet/upgrades/:upgradeId')
  @ApiOkResponse({ type: FleetUpgradeDto })
  upgrade(@UuidParam('upgradeId') id: string) {
    return this.staff.upgrade(id);
  }

  @Post('fleet/reconcile')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: JobDto })
  reconcile(@Actor() actor: AuditActor): Promise<JobDto> {
    return this.staff.reconcileNow(actor);
  }
}
