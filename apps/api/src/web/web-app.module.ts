import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import express, { type NextFunction, type Request, type Response } from 'express';

/** Where `npm run web:build` writes the production web app (same place in the Docker image). */
export const WEB_DIST_DIR = resolve(__dirname, '../../../web/dist');

/**
 * Serves the built web app (apps/web/dist) from the API's own origin, so cookies, OAuth
 * redirects and the SPA share one host. Files are served as they are (hashed assets cached for
 * a year); any other GET that is not under /api and wants HTML gets index.html, for the
 * client-side router. Registered after Nest's routes, so /api always wins; without a build
 * (development with the Vite dev server, most tests) it does nothing.
 */
@Module({})
export class WebAppModule implements OnModuleInit {
  private readonly logger = new Logger(WebAppModule.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const indexHtml = join(WEB_DIST_DIR, 'index.html');
    if (!existsSync(indexHtml)) return;
    const app = this.adapterHost.httpAdapter.getInstance<express.Express>();
    const isApi = (path: string) => path === '/api' || path.startsWith('/api/');
    const assets = express.static(WEB_DIST_DIR, {
      index: false,
      fallthrough: true,
      setHeaders: (response, path) => {
        response.setHeader(
          'Cache-Control',
          path.includes(`${join(WEB_DIST_DIR, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
    app.use((request: Request, response: Response, next: NextFunction) => {
      if ((request.method !== 'GET' && request.method !== 'HEAD') || isApi(request.path)) return next();
      assets(request, response, () => {
        if (!request.accepts('html') || /\.[a-z0-9]+$/i.test(request.path)) return next();
        response.setHeader('Cache-Control', 'no-cache');
        response.sendFile(indexHtml);
      });
    });
    this.logger.log(`serving the web app from ${WEB_DIST_DIR}`);
  }
}
