import { Module } from '@nestjs/common';
import { ProvisioningEngineModule } from '@enclave/provisioning';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { ProvisioningStatusService } from './provisioning-status.service';
import { ProvisioningController } from './provisioning.controller';
import { StaffProvisioningController } from './staff-provisioning.controller';
import { StaffProvisioningService } from './staff-provisioning.service';

/** Provisioning progress (members, live over SSE) and the staff provisioning console. */
@Module({
  imports: [WorkspacesModule, ProvisioningEngineModule],
  controllers: [ProvisioningController, StaffProvisioningController],
  providers: [ProvisioningStatusService, StaffProvisioningService],
})
export class ProvisioningApiModule {}
