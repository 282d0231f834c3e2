import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { domainError } from '@enclave/platform';
import { callableNode, NodeCallError, type NodeTarget, targetOf } from '@enclave/node-delivery';
import { DataSource } from 'typeorm';
import { NODE_ERRORS } from '../nodes/nodes.errors';

/** The workspace's node as export, erase and retention reach it, and what its failures answer. */
@Injectable()
export class WorkspaceNodeService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async target(workspaceId: string): Promise<NodeTarget> {
    const node = await callableNode(this.dataSource.manager, workspaceId);
    if (!node)
      throw domainError(NODE_ERRORS.unavailable, {
        message: 'The workspace node is not running yet; try again once it is healthy.',
      });
    return targetOf(this.dataSource.manager, node);
  }

  /** A node that did not answer (or answered outside the protocol) is a 503, never a 500. */
  unavailable(error: unknown): never {
    if (error instanceof NodeCallError)
      throw domainError(NODE_ERRORS.unavailable, {
        message: 'The workspace node did not answer; nothing was changed. Try again later.',
        details: { code: error.code },
      });
    throw error;
  }
}
