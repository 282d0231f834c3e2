import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditService } from '@enclave/audit';
import { MailerService } from '@enclave/mailer';
import type { HeartbeatRequest } from '@enclave/node-protocol';
import { type NodeEntity, WebhookEndpointEntity, WorkspaceEntity, workspaceOwners } from '@enclave/persistence';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { DataSource, type EntityManager } from 'typeorm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface DisabledEndpoint {
  readonly workspaceId: string;
  readonly endpointId: string;
  readonly origin: string;
  readonly status: number | null;
}

/**
 * The webhook part of a heartbeat: an endpoint the node disabled (its receiver answered 410
 * Gone) is disabled here too, in the heartbeat's transaction, and audited. A notice counts once:
 * an endpoint already disabled, or edited since the notice, is left alone, so a beat sent
 * again changes nothing. The owners are mailed after the commit (best effort, like other owner
 * notices); the mail names the endpoint's origin, never a payload (the control plane has none).
 */
@Injectable()
export class WebhookNoticesService {
  private readonly logger = new Logger(WebhookNoticesService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly audit: AuditService,
    private readonly mailer: MailerService,
  ) {}

  async apply(manager: EntityManager, node: NodeEntity, beat: HeartbeatRequest): Promise<DisabledEndpoint[]> {
    const disabled: DisabledEndpoint[] = [];
    for (const notice of beat.webhookNotices ?? []) {
      if (!UUID.test(notice.endpointId)) continue;
      const endpoint = await manager.findOne(WebhookEndpointEntity, {
        where: { id: notice.endpointId, workspaceId: node.workspaceId },
        lock: { mode: 'pessimistic_write' },
      });
      const at = new Date(notice.at);
      if (!endpoint || !endpoint.enabled || Number.isNaN(at.getTime()) || endpoint.updatedAt > at) continue;
      await manager.update(
        WebhookEndpointEntity,
        { id: endpoint.id },
        { enabled: false, disabledReason: 'receiver_gone', disabledAt: at },
      );
      await this.audit.record(manager, {
        actor: { type: 'node', id: node.id },
        action: 'webhook.endpoint_disabled',
        workspaceId: node.workspaceId,
        target: { type: 'webhook_endpoint', id: endpoint.id },
        details: { reason: 'receiver_gone', status: notice.status, origin: new URL(endpoint.url).origin },
      });
      disabled.push({
        workspaceId: node.workspaceId,
        endpointId: endpoint.id,
        origin: new URL(endpoint.url).origin,
        status: notice.status,
      });
    }
    return disabled;
  }

  async tellOwners(disabled: readonly DisabledEndpoint[]): Promise<void> {
    for (const d of disabled) {
      const workspace = await this.dataSource.getRepository(WorkspaceEntity).findOneBy({ id: d.workspaceId });
      if (!workspace) continue;
      const page = `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/workspaces/${workspace.id}/webhooks`;
      const mail = {
        subject: `A webhook endpoint of ${workspace.name} was disabled`,
        text:
          `The webhook endpoint at ${d.origin} answered ${d.status ?? 'an error'} (Gone), so your workspace "${workspace.name}" ` +
          `stopped sending it events and disabled it.\n\nIf the receiver is back, enable the endpoint again on the Webhooks page; ` +
          `failed deliveries can be replayed from its delivery log: ${page}\n`,
      };
      for (const owner of await workspaceOwners(this.dataSource.manager, workspace.id)) {
        try {
          await this.mailer.send({ ...mail, to: owner.email });
        } catch (error) {
          this.logger.warn({ err: error, workspaceId: workspace.id }, 'webhook endpoint notice could not be mailed');
        }
      }
    }
  }
}
