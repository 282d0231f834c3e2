import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type AuditActor, AuditService } from '@enclave/audit';
import { callableNode, NodeSessionSigner } from '@enclave/node-delivery';
import { domainError } from '@enclave/platform';
import { DataSource } from 'typeorm';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import type { NodeSessionDto } from './node-sessions.dto';
import { NODE_SESSION_ERRORS } from './node-sessions.errors';

/**
 * `renewal` is the web app's word, so it only skips the audit when this user's opening of the
 * workspace's inbox is on record this recently: a client cannot hide an opening by calling
 * every request a renewal, and a page left open for days is recorded once a day.
 */
const RENEWAL_COVERED_MS = 24 * 3600_000;

/**
 * Node sessions: the control plane vouches for a dashboard user to the workspace's own node
 * (user id, workspace, node, role, expiry; signed with the node-protocol key). The token is
 * handed to the browser once and never stored or logged. Opening is audited as metadata only
 * (role, node); the web app's renewals while the page stays open are not (RENEWAL_COVERED_MS).
 */
@Injectable()
export class NodeSessionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
    private readonly audit: AuditService,
    private readonly signer: NodeSessionSigner,
  ) {}

  async create(workspaceId: string, userId: string, renewal: boolean, actor: AuditActor): Promise<NodeSessionDto> {
    const { membership } = await this.access.require(workspaceId, userId, 'member');
    const node = await callableNode(this.dataSource.manager, workspaceId);
    if (!node?.publicBaseUrl || !this.signer.available) throw domainError(NODE_SESSION_ERRORS.nodeNotReady);
    const session = this.signer.issue({ userId, workspaceId, nodeId: node.id, role: membership.role });
    if (!renewal || !(await this.openedRecently(workspaceId, userId)))
      await this.audit.recordAlone({
        actor,
        action: 'inbox.opened',
        workspaceId,
        target: { type: 'node', id: node.id },
        details: { role: membership.role, nodeId: node.id },
      });
    return {
      token: session.token,
      expiresAt: session.expiresAt.toISOString(),
      nodeUrl: node.publicBaseUrl.replace(/\/+$/, ''),
    };
  }

  private async openedRecently(workspaceId: string, userId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM audit_events
        WHERE actor_id = $1 AND workspace_id = $2 AND action = 'inbox.opened' AND occurred_at > $3
        LIMIT 1`,
      [userId, workspaceId, new Date(Date.now() - RENEWAL_COVERED_MS)],
    )) as unknown[];
    return rows.length > 0;
  }
}
