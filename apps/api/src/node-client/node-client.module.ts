import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { AuditService } from '@enclave/audit';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import type { DataSource } from 'typeorm';
import { CREDENTIAL_CHECKS, ProviderCredentialChecks } from '../secrets/credential-checks';
import { SecretVault } from '../secrets/secret-vault';
import { NODE_GATEWAY, type NodeGateway } from './node-client';
import { NodeDelivery } from './node-delivery';
import { NODE_DELIVERY, NodeSyncService } from './node-sync.service';
import { createNodeGateway } from './signing-key';

/** The signed node client, the secret vault, credential checks and node delivery, for every feature that talks to nodes. */
@Module({
  providers: [
    { provide: NODE_GATEWAY, inject: [CONFIG], useFactory: (config: ControlPlaneConfig) => createNodeGateway(config) },
    {
      provide: SecretVault,
      inject: [CONFIG],
      useFactory: (config: ControlPlaneConfig) => SecretVault.fromConfig(config),
    },
    {
      provide: CREDENTIAL_CHECKS,
      inject: [CONFIG],
      useFactory: (config: ControlPlaneConfig) => new ProviderCredentialChecks(config),
    },
    {
      provide: NODE_DELIVERY,
      inject: [getDataSourceToken(), NODE_GATEWAY, SecretVault, AuditService],
      useFactory: (dataSource: DataSource, gateway: NodeGateway, vault: SecretVault, audit: AuditService) =>
        new NodeDelivery(dataSource, gateway, vault, audit),
    },
    NodeSyncService,
  ],
  exports: [NODE_GATEWAY, SecretVault, CREDENTIAL_CHECKS, NODE_DELIVERY, NodeSyncService],
})
export class NodeClientModule {}
