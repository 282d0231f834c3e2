import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type WidgetAssetName = 'loader' | 'panel';

interface Asset {
  readonly body: Buffer;
  readonly gzipped: Buffer;
  readonly etag: string;
}

/**
 * The loader and panel scripts. The node's bundle ships them prebuilt next to agent-node.js
 * (`widget/*.js`, agent-node/build/widget-bundle.ts); run from the repository (development,
 * tests) they are built with esbuild on first request. Served gzipped when accepted, with an
 * ETag; the panel under a content hash, so it is cached for a year.
 */
export class WidgetAssets {
  private assets: Promise<Record<WidgetAssetName, Asset>> | undefined;

  load(): Promise<Record<WidgetAssetName, Asset>> {
    this.assets ??= this.read().then((texts) => ({ loader: toAsset(texts.loader), panel: toAsset(texts.panel) }));
    return this.assets;
  }

  /** The panel's content hash, for its immutable URL. */
  async panelVersion(): Promise<string> {
    return (await this.load()).panel.etag.slice(1, 17);
  }

  async serve(name: WidgetAssetName, req: IncomingMessage, res: ServerResponse, cacheControl: string): Promise<void> {
    const asset = (await this.load())[name];
    const headers = {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': cacheControl,
      etag: asset.etag,
      vary: 'accept-encoding',
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'cross-origin',
    };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzipped : asset.body;
    res.writeHead(200, { ...headers, 'content-length': body.length, ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    res.end(body);
  }

  private async read(): Promise<Record<WidgetAssetName, string>> {
    const main = require.main?.filename;
    const shipped = main ? join(dirname(main), 'widget') : undefined;
    if (shipped && existsSync(join(shipped, 'loader.js')))
      return {
        loader: readFileSync(join(shipped, 'loader.js'), 'utf8'),
        panel: readFileSync(join(shipped, 'panel.js'), 'utf8'),
      };
    // From the repository only: the build tool is not part of the node's bundle.
    const builder = join(__dirname, '..', '..', 'build', 'widget-bundle');
    const { buildWidgetAssets } = require(builder) as {
      buildWidgetAssets(): Promise<Record<WidgetAssetName, string>>;
    };
    return buildWidgetAssets();
  }
}

function toAsset(text: string): Asset {
  const body = Buffer.from(text, 'utf8');
  return {
    body,
    gzipped: gzipSync(body, { level: 9 }),
    etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`,
  };
}
