import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { AuditService } from '@enclave/audit';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import type { DataSource } from 'typeorm';
import { NODE_GATEWAY, type NodeGateway } from './http-node-client';
import { dashboardOrigin, NodeDelivery } from './node-delivery';
import { NODE_DELIVERY, NodeSyncService } from './node-sync.service';
import { SecretVault } from './secret-vault';
import { NodeSessionSigner } from './node-session-signer';
import { createNodeGateway, createNodeSessionSigner } from './signing-key';

/**
 * The signed node client, the secret vault and node delivery, for the API (right after a
 * change) and the worker (DeliverToNode, the pending-secret sweep): one implementation of
 * "bring the node up to date". Also the node session signer (the API's node-sessions route).
 * Needs CONFIG, TypeORM, AuditService and QueueService from the app (global modules in both).
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
      inject: [getDataSourceToken(), NODE_GATEWAY, SecretVault, AuditService, CONFIG],
      useFactory: (
        dataSource: DataSource,
        gateway: NodeGateway,
        vault: SecretVault,
        audit: AuditService,
        config: ControlPlaneConfig,
      ) => new NodeDelivery(dataSource, gateway, vault, audit, dashboardOrigin(config)),
    },
    NodeSyncService,
    {
      provide: NodeSessionSigner,
      inject: [CONFIG],
      useFactory: (config: ControlPlaneConfig) => createNodeSessionSigner(config),
    },
  ],
  exports: [NODE_GATEWAY, SecretVault, NODE_DELIVERY, NodeSyncService, NodeSessionSigner],
})
export class NodeDeliveryModule {}
