import { Controller, Get, type MessageEvent, Sse } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { UserEntity } from '@enclave/persistence';
import { ProvisioningEventBus } from '@enclave/provisioning';
import { Observable } from 'rxjs';
import { CurrentUser } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import { ProvisioningStatusDto } from './dto/provisioning.dto';
import { ProvisioningStatusService } from './provisioning-status.service';

/** Live provisioning progress for the members of a workspace. */
@ApiTags('provisioning')
@Controller('workspaces/:id/provisioning')
export class ProvisioningController {
  constructor(
    private readonly access: WorkspaceAccessService,
    private readonly status: ProvisioningStatusService,
    private readonly events: ProvisioningEventBus,
  ) {}

  @Get()
  @ApiOkResponse({ type: ProvisioningStatusDto })
  async get(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<ProvisioningStatusDto> {
    const { workspace } = await this.access.require(id, user.id, 'member');
    return this.status.status(workspace, false);
  }

  /**
   * Server-sent events: a `snapshot` first, then a `step` event for every step or run change
   * made by any worker (Redis pub/sub, so every API replica sees them), and a ping every 15 s.
   */
  @Sse('events')
  async stream(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<Observable<MessageEvent>> {
    const { workspace } = await this.access.require(id, user.id, 'member');
    const snapshot = await this.status.status(workspace, false);
    return new Observable<MessageEvent>((subscriber) => {
      subscriber.next({ type: 'snapshot', data: snapshot });
      let unsubscribe: (() => void) | undefined;
      let closed = false;
      void this.events
        .subscribe((event) => {
          if (event.workspaceId === id) subscriber.next({ type: 'step', data: event });
        })
        .then((off) => {
          if (closed) off();
          else unsubscribe = off;
        });
      const ping = setInterval(() => subscriber.next({ type: 'ping', data: { at: new Date().toISOString() } }), 15_000);
      return () => {
        closed = true;
        clearInterval(ping);
        unsubscribe?.();
      };
    });
  }
}
