import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { AuditService } from '@enclave/audit';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import type { DataSource } from 'typeorm';
import { NODE_GATEWAY, type NodeGateway } from './http-node-client';
import { NodeDelivery } from './node-delivery';
import { NODE_DELIVERY, NodeSyncService } from './node-sync.service';
import { SecretVault } from './secret-vault';
import { createNodeGateway } from './signing-key';

/**
 * The signed node client, the secret vault and node delivery, for the API (right after a
 * change) and the worker (DeliverToNode, the pending-secret sweep): one implementation of
 * "bring the node up to date". Needs CONFIG, TypeORM, AuditService and QueueService from the
 * app (global modules in both).
 */
@Module({
  providers: [
    { provide: NODE_GATEWAY, inject: [CONFIG], useFactory: (config: ControlPlaneConfig) => createNodeGateway(config) },
    {
      provide: SecretVault,
      inject: [CONFIG],
      useFactory: (config: ControlPlaneConfig) => SecretVault.fromConfig(config),
    },
    {
      provide: NODE_DELIVERY,
      inject: [getDataSourceToken(), NODE_GATEWAY, SecretVault, AuditService],
      useFactory: (dataSource: DataSource, gateway: NodeGateway, vault: SecretVault, audit: AuditService) =>
        new NodeDelivery(dataSource, gateway, vault, audit),
    },
    NodeSyncService,
  ],
  exports: [NODE_GATEWAY, SecretVault, NODE_DELIVERY, NodeSyncService],
})
export class NodeDeliveryModule {}
