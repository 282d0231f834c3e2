import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { AllExceptionsFilter, CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { ZodValidationPipe } from 'nestjs-zod';
import { AppModule } from './app.module';
import { requireUtf8Body } from './common/utf8-body';
import { buildOpenApiDocument } from './openapi';
import { helmetOptions } from './web/content-security-policy';

/** The API exactly as it runs in production; tests call this too, with their own env. */
export async function createApi(env: NodeJS.ProcessEnv = process.env): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env), {
    bufferLogs: true,
    rawBody: true,
  });
  app.useLogger(app.get(Logger));
  const config = app.get<ControlPlaneConfig>(CONFIG);
  app.set('trust proxy', config.TRUSTED_PROXIES);
  app.useBodyParser('json', { limit: '256kb' });
  app.use(requireUtf8Body);
  app.use(helmet(helmetOptions(config)));
  app.use(cookieParser());
  app.setGlobalPrefix('api');
  app.useGlobalPipes(new ZodValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  SwaggerModule.setup('api/docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'api/docs/openapi.json' });
  return app;
}
