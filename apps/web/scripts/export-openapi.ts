/**
 * Writes the API's OpenAPI document to apps/web/openapi.json without connecting to anything:
 * Nest builds the module graph in preview mode (no providers instantiated, no database, no
 * Redis), which is all SwaggerModule needs to read the controllers and their zod DTOs.
 * The document is marked OpenAPI 3.1 because the zod schemas use 3.1 constructs (`type: ["string", "null"]`)
 * that openapi-typescript would misread in a 3.0 document.
 * `npm run web:types` then turns it into apps/web/src/api/schema.d.ts with openapi-typescript.
 *
 * Most controllers declare their response type only as a TypeScript return type, which
 * SwaggerModule cannot see. RESPONSES below attaches the DTO class the controller already
 * returns (an @ApiResponse applied at run time, exactly as if it were written on the method);
 * it only fills responses that have no schema, so once a controller declares its own
 * @ApiOkResponse the entry here becomes a no-op and can be deleted.
 */
/* eslint-disable @nx/enforce-module-boundaries -- a build script that reads the API's controllers to write
   its OpenAPI document; no API code reaches the web bundle, which imports only the generated types. */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type INestApplication } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { ApiResponse, DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { cleanupOpenApiDoc, createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { AppModule } from '../../api/src/app.module';
import { AuditPageDto } from '../../api/src/audit/dto/audit-query.dto';
import { WorkspaceAuditController } from '../../api/src/audit/workspace-audit.controller';
import { AuthController } from '../../api/src/auth/auth.controller';
import { MeDto } from '../../api/src/auth/dto/auth.dto';
import { MeController } from '../../api/src/auth/me.controller';
import { BillingController } from '../../api/src/billing/billing.controller';
import { BillingStatusDto, PlansDto, RedirectDto } from '../../api/src/billing/dto/billing.dto';
import { StaffAuditController } from '../../api/src/staff/staff-audit.controller';
import { InviteResultDto, MembersDto, WorkspaceDto } from '../../api/src/workspaces/dto/workspace.dto';
import { WorkspacesController } from '../../api/src/workspaces/workspaces.controller';
import { AgentsController } from '../../api/src/agents/agents.controller';
import { AgentDto, AgentResultDto } from '../../api/src/agents/dto/agent.dto';
import { ChannelsController } from '../../api/src/channels/channels.controller';
import { ChannelDto, ChannelResultDto, createChannelSchema } from '../../api/src/channels/dto/channel.dto';
import { DataLifecycleController } from '../../api/src/exports/data-lifecycle.controller';
import { EraseResultDto, ExportRecordDto, ExportResultDto, RetentionDto, RetentionResultDto } from '../../api/src/exports/dto/exports.dto';
import { NodeHealthController } from '../../api/src/nodes/nodes.controller';
import { StaffNodeController } from '../../api/src/nodes/staff-node.controller';
import { HostDto, ProvisioningStatusDto } from '../../api/src/provisioning/dto/provisioning.dto';
import { ProvisioningController } from '../../api/src/provisioning/provisioning.controller';
import { StaffProvisioningController } from '../../api/src/provisioning/staff-provisioning.controller';
import { SecretRecordDto, SetSecretResultDto } from '../../api/src/secrets/dto/secret.dto';
import { SecretsController } from '../../api/src/secrets/secrets.controller';
import { UsageController } from '../../api/src/usage/usage.controller';
import { UsageDto } from '../../api/src/usage/usage.dto';

// Routes whose return type is a plain TS type with no DTO class yet (gap: give them one in the API).
class SlugAvailabilityDto extends createZodDto(z.object({ slug: z.string(), available: z.boolean(), reason: z.string().nullable() })) {}
class ProvidersDto extends createZodDto(z.object({ github: z.boolean(), google: z.boolean(), email: z.literal(true) })) {}
class ChainVerdictDto extends createZodDto(
  z.object({ ok: z.boolean(), checked: z.number().int(), lastId: z.string().nullable().optional(), brokenAt: z.string().optional(), reason: z.enum(['hash_mismatch', 'prev_hash_mismatch']).optional() }),
) {}
class RevokedDto extends createZodDto(z.object({ revoked: z.number().int() })) {}
class SentDto extends createZodDto(z.object({ status: z.literal('sent') })) {}
class DeliveryDto extends createZodDto(z.object({ delivery: z.enum(['delivered', 'pending']) })) {}
class SuspensionDto extends createZodDto(z.object({ suspended: z.boolean(), delivery: z.enum(['delivered', 'pending']) })) {}
class RetryDto extends createZodDto(z.object({ workspaceId: z.uuid(), jobId: z.string() })) {}
class JobDto extends createZodDto(z.object({ jobId: z.string() })) {}
class NodeHealthDto extends createZodDto(
  z.object({
    node: z
      .object({
        id: z.uuid(),
        status: z.string(),
        reportedState: z.string().nullable(),
        version: z.string().nullable(),
        enrolledAt: z.string().nullable(),
        lastHeartbeatAt: z.string().nullable(),
        checks: z.unknown(),
      })
      .nullable(),
  }),
) {}
class FleetNodeDto extends createZodDto(
  z.object({
    nodeId: z.string(),
    workspaceId: z.string(),
    slug: z.string(),
    status: z.string(),
    version: z.string().nullable(),
    reportedVersion: z.string().nullable(),
    lastHeartbeatAt: z.string().nullable(),
    host: z.string().nullable(),
  }),
) {}
class FleetUpgradeDto extends createZodDto(
  z.object({
    id: z.uuid(),
    version: z.string().nullable(),
    batchSize: z.number().int(),
    nodeIds: z.array(z.string()).nullable(),
    status: z.enum(['running', 'succeeded', 'failed']),
    results: z.array(z.record(z.string(), z.unknown())),
    requestedBy: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  }),
) {}

/** The metadata key @ApiResponse writes (@nestjs/swagger DECORATORS.API_RESPONSE, not exported). */
const API_RESPONSE_METADATA = 'swagger/apiResponse';

type Ctor = abstract new (...args: never[]) => unknown;
type Response = [controller: Ctor, method: string, status: number, dto: Ctor, isArray?: boolean];

const RESPONSES: Response[] = [
  [MeController, 'me', 200, MeDto],
  [AuthController, 'providers', 200, ProvidersDto],
  [AuthController, 'requestMagicLink', 202, SentDto],
  [AuthController, 'logout', 200, RevokedDto],
  [AuthController, 'logoutAll', 200, RevokedDto],
  [WorkspacesController, 'list', 200, WorkspaceDto, true],
  [WorkspacesController, 'slugAvailability', 200, SlugAvailabilityDto],
  [WorkspacesController, 'create', 201, WorkspaceDto],
  [WorkspacesController, 'get', 200, WorkspaceDto],
  [WorkspacesController, 'rename', 200, WorkspaceDto],
  [WorkspacesController, 'members', 200, MembersDto],
  [WorkspacesController, 'invite', 201, InviteResultDto],
  [WorkspaceAuditController, 'list', 200, AuditPageDto],
  [StaffAuditController, 'list', 200, AuditPageDto],
  [StaffAuditController, 'chain', 200, ChainVerdictDto],
  [BillingController, 'plans', 200, PlansDto],
  [BillingController, 'status', 200, BillingStatusDto],
  [BillingController, 'checkout', 200, RedirectDto],
  [BillingController, 'portal', 200, RedirectDto],
  [ProvisioningController, 'get', 200, ProvisioningStatusDto],
  [StaffProvisioningController, 'provisioning', 200, ProvisioningStatusDto],
  [StaffProvisioningController, 'retry', 202, RetryDto],
  [StaffProvisioningController, 'retryDeprovision', 202, RetryDto],
  [StaffProvisioningController, 'hosts', 200, HostDto, true],
  [StaffProvisioningController, 'registerHost', 201, HostDto],
  [StaffProvisioningController, 'fleet', 200, FleetNodeDto, true],
  [StaffProvisioningController, 'startUpgrade', 202, FleetUpgradeDto],
  [StaffProvisioningController, 'upgrade', 200, FleetUpgradeDto],
  [StaffProvisioningController, 'reconcile', 202, JobDto],
  [StaffNodeController, 'suspend', 200, SuspensionDto],
  [StaffNodeController, 'resume', 200, SuspensionDto],
  [NodeHealthController, 'get', 200, NodeHealthDto],
  [AgentsController, 'list', 200, AgentDto, true],
  [AgentsController, 'create', 201, AgentResultDto],
  [AgentsController, 'get', 200, AgentDto],
  [AgentsController, 'update', 200, AgentResultDto],
  [AgentsController, 'remove', 200, DeliveryDto],
  [ChannelsController, 'list', 200, ChannelDto, true],
  [ChannelsController, 'create', 201, ChannelResultDto],
  [ChannelsController, 'get', 200, ChannelDto],
  [ChannelsController, 'update', 200, ChannelResultDto],
  [ChannelsController, 'rotate', 200, ChannelResultDto],
  [ChannelsController, 'remove', 200, DeliveryDto],
  [SecretsController, 'list', 200, SecretRecordDto, true],
  [SecretsController, 'set', 200, SetSecretResultDto],
  [UsageController, 'series', 200, UsageDto],
  [DataLifecycleController, 'requestExport', 201, ExportResultDto],
  [DataLifecycleController, 'listExports', 200, ExportRecordDto, true],
  [DataLifecycleController, 'erase', 200, EraseResultDto],
  [DataLifecycleController, 'retention', 200, RetentionDto],
  [DataLifecycleController, 'setRetention', 200, RetentionResultDto],
];

/** Request bodies validated by a pipe on a plain zod schema (a union cannot be a DTO class). */
const PIPE_BODIES: Array<[path: string, method: 'post', schema: z.ZodType]> = [['/api/workspaces/{id}/channels', 'post', createChannelSchema]];

function attachBodies(document: OpenAPIObject): void {
  for (const [path, method, zodSchema] of PIPE_BODIES) {
    const operation = document.paths[path]?.[method];
    if (!operation) throw new Error(`${method.toUpperCase()} ${path} no longer exists: update PIPE_BODIES in ${__filename}`);
    const schema = z.toJSONSchema(zodSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    delete schema.$schema;
    const existing = operation.requestBody && 'content' in operation.requestBody ? operation.requestBody : undefined;
    operation.requestBody = { required: true, description: existing?.description, content: { 'application/json': { schema } } };
  }
}

function attachResponses(): void {
  for (const [controller, method, status, type, isArray] of RESPONSES) {
    const descriptor = Object.getOwnPropertyDescriptor(controller.prototype, method);
    if (!descriptor) throw new Error(`${controller.name}.${method} no longer exists: update RESPONSES in ${__filename}`);
    const declared = (Reflect.getMetadata(API_RESPONSE_METADATA, descriptor.value as object) ?? {}) as Record<string, { type?: unknown; schema?: unknown }>;
    if (declared[status]?.type || declared[status]?.schema) continue; // the controller says it itself
    ApiResponse({ status, type: type as never, isArray: isArray ?? false })(controller.prototype, method, descriptor);
  }
}

/**
 * @nestjs/swagger reads a top-level `type: ["string", "null"]` (zod's nullable) as "array of
 * string", so `name: string | null` came out as `string[]`. Every component schema that comes
 * from a zod DTO is therefore rewritten straight from its zod schema (JSON Schema 2020-12, which
 * OpenAPI 3.1 uses): output shape for responses, input shape (defaults optional) for requests.
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
        for (const param of (Reflect.getMetadata('design:paramtypes', prototype, name) ?? []) as unknown[]) note(param, false);
        for (const response of Object.values((Reflect.getMetadata(API_RESPONSE_METADATA, method) ?? {}) as Record<string, { type?: unknown }>)) note(response.type, true);
      }
    }
  }
  const out = new Map<string, Record<string, unknown>>();
  for (const [name, { schema, usedAsResponse }] of dtos) {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: usedAsResponse ? 'output' : 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    delete json.$schema;
    out.set(name, json);
  }
  return out;
}

async function main(): Promise<void> {
  attachResponses();
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
  app.setGlobalPrefix('api');
  const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('Enclave control plane').setVersion('1').addCookieAuth('enclave_session').build());
  const cleaned = cleanupOpenApiDoc(document);
  const schemas = cleaned.components?.schemas ?? {};
  for (const [name, schema] of zodComponentSchemas(app)) if (name in schemas) schemas[name] = schema;
  attachBodies(cleaned);
  const out = join(__dirname, '..', 'openapi.json');
  writeFileSync(out, `${JSON.stringify({ ...cleaned, openapi: '3.1.0' }, null, 2)}\n`);
  process.stdout.write(`wrote ${out} (${Object.keys(document.paths).length} paths)\n`);
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
