/**
 * Writes the API's OpenAPI document to apps/web/openapi.json without connecting to anything:
 * Nest builds the module graph in preview mode (no providers instantiated, no database, no
 * Redis), which is all SwaggerModule needs to read the controllers and their zod DTOs.
 * The document is the one the API serves at /api/docs/openapi.json: buildOpenApiDocument
 * (apps/api/src/openapi.ts) builds both, so nothing is added or fixed here.
 * `npm run web:types` then turns it into apps/web/src/api/schema.d.ts with openapi-typescript.
 */
// A build script that reads the API's controllers to write its OpenAPI document (allowed for scripts in
// eslint.config.mjs); no API code reaches the web bundle, which imports only the generated types.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../api/src/app.module';
import { buildOpenApiDocument } from '../../api/src/openapi';

async function main(): Promise<void> {
  // Placeholder values only to pass config validation; nothing connects in preview mode.
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/openapi',
    SMTP_URL: 'smtp://127.0.0.1:1',
    GITHUB_CLIENT_ID: 'openapi',
    GITHUB_CLIENT_SECRET: 'openapi',
    GOOGLE_CLIENT_ID: 'openapi',
    GOOGLE_CLIENT_SECRET: 'openapi',
  };
  const app = await NestFactory.create(AppModule.forRoot(env), { preview: true, logger: false, abortOnError: false });
  app.setGlobalPrefix('api'); // as createApi (apps/api/src/bootstrap.ts) does
  const document = buildOpenApiDocument(app);
  const out = join(__dirname, '..', 'openapi.json');
  writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(`wrote ${out} (${Object.keys(document.paths).length} paths)\n`);
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
