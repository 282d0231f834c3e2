import { type INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { z } from 'zod';
import { createChannelSchema } from './channels/dto/channel.dto';

/**
 * The API's OpenAPI document, built once here: served at /api/docs/openapi.json (bootstrap.ts)
 * and written to apps/web/openapi.json by apps/web/scripts/export-openapi.ts, unchanged.
 *
 * Controllers declare their responses themselves (`@ApiOkResponse({ type: XDto })` …). On top of
 * what @nestjs/swagger + nestjs-zod produce, this fixes two things:
 * - every component schema that comes from a zod DTO is rewritten straight from its zod schema
 *   (JSON Schema 2020-12), because @nestjs/swagger reads a top-level `type: ["string", "null"]`
 *   (zod's nullable) as "array of string"; the document is therefore marked OpenAPI 3.1;
 * - request bodies validated by a pipe on a plain zod schema (PIPE_BODIES) get that schema.
 *
 * The app must have its global prefix set already ('api').
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Enclave control plane')
    .setVersion('1')
    .addCookieAuth('enclave_session')
    .build();
  const document = cleanupOpenApiDoc(SwaggerModule.createDocument(app, config));
  const schemas = document.components?.schemas ?? {};
  for (const [name, schema] of zodComponentSchemas(app)) if (name in schemas) schemas[name] = schema;
  attachPipeBodies(document);
  return { ...document, openapi: '3.1.0' };
}

/** The metadata key @ApiResponse writes (@nestjs/swagger DECORATORS.API_RESPONSE, not exported). */
const API_RESPONSE_METADATA = 'swagger/apiResponse';

/** Request bodies validated by a pipe on a plain zod schema (a union cannot be a DTO class). */
const PIPE_BODIES: Array<[path: string, method: 'post', schema: z.ZodType]> = [
  ['/api/workspaces/{id}/channels', 'post', createChannelSchema],
];

function attachPipeBodies(document: OpenAPIObject): void {
  for (const [path, method, zodSchema] of PIPE_BODIES) {
    const operation = document.paths[path]?.[method];
    if (!operation)
      throw new Error(`${method.toUpperCase()} ${path} no longer exists: update PIPE_BODIES in ${__filename}`);
    const schema = z.toJSONSchema(zodSchema, {
      target: 'draft-2020-12',
      io: 'input',
      unrepresentable: 'any',
    }) as Record<string, unknown>;
    delete schema.$schema;
    const existing = operation.requestBody && 'content' in operation.requestBody ? operation.requestBody : undefined;
    operation.requestBody = {
      required: true,
      description: existing?.description,
      content: { 'application/json': { schema } },
    };
  }
}

/**
 * Every zod DTO the controllers take (parameter types) or declare as a response, as JSON Schema
 * 2020-12: output shape for responses, input shape (defaults optional) for requests.
 */
function zodComponentSchemas(app: INestApplication): Map<string, Record<string, unknown>> {
  const dtos = new Map<string, { schema: z.ZodType; usedAsResponse: boolean }>();
  const note = (type: unknown, usedAsResponse: boolean) => {
    const schema = (type as { schema?: unknown } | undefined)?.schema;
    if (typeof type !== 'function' || !(schema instanceof z.ZodType)) return;
    const seen = dtos.get(type.name);
    dtos.set(type.name, { schema, usedAsResponse: usedAsResponse || (seen?.usedAsResponse ?? false) });
  };
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const prototype = (wrapper.metatype as { prototype?: object } | null)?.prototype;
      if (!prototype) continue;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const method = (Object.getOwnPropertyDescriptor(prototype, name)?.value ?? null) as object | null;
        if (typeof method !== 'function' || name === 'constructor') continue;
        for (const param of (Reflect.getMetadata('design:paramtypes', prototype, name) ?? []) as unknown[])
          note(param, false);
        for (const response of Object.values(
          (Reflect.getMetadata(API_RESPONSE_METADATA, method) ?? {}) as Record<string, { type?: unknown }>,
        ))
          note(response.type, true);
      }
    }
  }
  const out = new Map<string, Record<string, unknown>>();
  for (const [name, { schema, usedAsResponse }] of dtos) {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io: usedAsResponse ? 'output' : 'input',
      unrepresentable: 'any',
    }) as Record<string, unknown>;
    delete json.$schema;
    out.set(name, json);
  }
  return out;
}
