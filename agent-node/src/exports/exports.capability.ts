import { join } from 'node:path';
import { NODE_ROUTES, requestExportRequestSchema } from '@enclave/node-protocol';
import type { Capability, CapabilityRoute, NodeContext } from '../capability';
import { parseJsonBody } from '../http/http-server';
import { databaseFile } from '../storage/database';
import { ExportLinks } from './export-links';
import { ExportRepository } from './export.repository';
import { ExportService } from './export.service';

/**
 * Conversation exports: background jobs started and polled by the control plane, downloaded over
 * signed expiring links, swept after expiry.
 */
export class ExportsCapability implements Capability {
  readonly name = 'exports';
  readonly service: ExportService;

  constructor(private readonly ctx: NodeContext) {
    const { cfg } = ctx;
    this.service = new ExportService(
      new ExportRepository(ctx.db),
      new ExportLinks(ctx.keys.exportLinkKey, cfg.publicBaseUrl),
      databaseFile(cfg.dataDir),
      join(cfg.dataDir, 'exports'),
      ctx.logger,
    );
  }

  routes(): CapabilityRoute[] {
    return [
      {
        signed: true,
        ...NODE_ROUTES.requestExport,
        handler: (ctx) => {
          const body = parseJsonBody(ctx, requestExportRequestSchema);
          const ttlSeconds = body.ttlSeconds ?? this.ctx.cfg.exports.defaultTtlSeconds;
          return { status: 202, json: this.service.request(ttlSeconds) };
        },
      },
      {
        signed: true,
        ...NODE_ROUTES.exportStatus,
        handler: (ctx) => ({ status: 200, json: this.service.status(ctx.params.exportId) }),
      },
      // Unsigned by the control plane: the link carries its own signature and expiry.
      {
        method: 'GET',
        path: '/exports/:exportId/:file',
        bodyLimit: 0,
        handler: (ctx) => {
          const exportId = this.service.links.verify(ctx.rawPath);
          const { stream, size } = this.service.openArchive(exportId);
          ctx.res.writeHead(200, {
            'content-type': 'application/gzip',
            'content-length': size,
            'content-disposition': 'attachment; filename="enclave-export.tar.gz"',
            'cache-control': 'no-store',
          });
          stream.pipe(ctx.res);
          return { handled: true };
        },
      },
    ];
  }

  start(): void {
    this.service.resume();
  }

  schedule(): void {
    this.service.purgeExpired();
    this.service.startSweeper();
  }

  stop(): Promise<void> {
    return this.service.stop();
  }

  wipe() {
    return { exports: this.service.count() };
  }
}
