import type { Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { AuditService } from '@enclave/audit';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import type { DataSource } from 'typeorm';
// The control plane's node client and delivery logic are shared with the API (one implementation
// of "bring the node up to date"); they depend only on libs, never on API modules.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { NodeDelivery } from '../../../api/src/node-client/node-delivery';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createNodeGateway } from '../../../api/src/node-client/signing-key';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { SecretVault } from '../../../api/src/secrets/secret-vault';

export const WORKER_NODE_DELIVERY = Symbol('WORKER_NODE_DELIVERY');

export const NODE_DELIVERY_PROVIDERS: Provider[] = [
  {
    provide: WORKER_NODE_DELIVERY,
    inject: [getDataSourceToken(), AuditService, CONFIG],
    useFactory: (dataSource: DataSource, audit: AuditService, config: ControlPlaneConfig) =>
      new NodeDelivery(dataSource, createNodeGateway(config), SecretVault.fromConfig(config), audit),
  },
];
