import {
  FLEET_UPGRADE_STATUSES,
  HOST_STATUSES,
  PROVISIONING_ACTIONS,
  PROVISIONING_RUN_STATUSES,
  PROVISIONING_STEP_STATUSES,
} from '@enclave/persistence';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const stepSchema = z.object({
  name: z.string(),
  status: z.enum(PROVISIONING_STEP_STATUSES),
  attempts: z.number().int(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  error: z.string().nullable(),
  /** Redacted command log: staff view only. */
  log: z.string().optional(),
});
const runSchema = z.object({
  id: z.uuid(),
  action: z.enum(PROVISIONING_ACTIONS),
  status: z.enum(PROVISIONING_RUN_STATUSES),
  attempts: z.number().int(),
  error: z.string().nullable(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  steps: z.array(stepSchema),
});
export const provisioningStatusSchema = z.object({
  workspaceId: z.uuid(),
  workspaceStatus: z.string(),
  hostname: z.string(),
  runs: z.array(runSchema),
  node: z
    .object({
      id: z.uuid(),
      status: z.string(),
      version: z.string().nullable(),
      enrolledAt: z.iso.datetime().nullable(),
      lastHeartbeatAt: z.iso.datetime().nullable(),
    })
    .nullable(),
});
export class ProvisioningStatusDto extends createZodDto(provisioningStatusSchema) {}

const fingerprint = z
  .string()
  .trim()
  .regex(/^(SHA256:)?[A-Za-z0-9+/]{43}=?$/, 'must be an OpenSSH SHA256 fingerprint, as `ssh-keygen -lf` prints it')
  .transform((value) => `SHA256:${value.replace(/^SHA256:/, '').replace(/=$/, '')}`);

export class RegisterHostDto extends createZodDto(
  z.strictObject({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9._-]+$/),
    address: z.union([
      z.ipv4(),
      z.ipv6(),
      z.string().regex(/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/i, 'must be an IP address or a host name'),
    ]),
    sshPort: z.number().int().min(1).max(65535).default(22),
    sshUser: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/)
      .default('root'),
    hostKeyFingerprint: fingerprint,
    installRoot: z
      .string()
      .regex(/^\/[A-Za-z0-9._/-]+$/)
      .refine((value) => value !== '/' && !value.includes('..'), 'must be an absolute path other than /')
      .default('/opt/enclave'),
    nodePort: z.number().int().min(1).max(65535).default(8080),
    publicPort: z.number().int().min(1).max(65535).default(443),
  }),
) {}

export const hostSchema = z.object({
  id: z.uuid(),
  provider: z.string(),
  name: z.string(),
  address: z.string(),
  sshPort: z.number().int(),
  sshUser: z.string(),
  hostKeyFingerprint: z.string().nullable(),
  installRoot: z.string(),
  nodePort: z.number().int(),
  publicPort: z.number().int(),
  status: z.enum(HOST_STATUSES),
  workspaceId: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
});
export class HostDto extends createZodDto(hostSchema) {}

export class StartFleetUpgradeDto extends createZodDto(
  z.strictObject({
    batchSize: z.number().int().min(1).max(100).default(1),
    nodeIds: z.array(z.uuid()).min(1).max(1000).optional(),
  }),
) {}

/** A provisioning or deprovisioning retry: the job enqueued again. */
export class RetryDto extends createZodDto(z.object({ workspaceId: z.uuid(), jobId: z.string() })) {}
export class JobDto extends createZodDto(z.object({ jobId: z.string() })) {}

export class FleetNodeDto extends createZodDto(
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

/** A FleetUpgradeEntity as JSON (dates as ISO strings). */
export class FleetUpgradeDto extends createZodDto(
  z.object({
    id: z.uuid(),
    version: z.string().nullable(),
    batchSize: z.number().int(),
    nodeIds: z.array(z.string()).nullable(),
    status: z.enum(FLEET_UPGRADE_STATUSES),
    results: z.array(z.record(z.string(), z.unknown())),
    requestedBy: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  }),
) {}
