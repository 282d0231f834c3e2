import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

/** Typed client for the control-plane API; shapes come from the generated OpenAPI types only. */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });

export type Schemas = components['schemas'];
export type Me = Schemas['MeDto'];
export type Workspace = Schemas['WorkspaceDto'];
export type WorkspaceStatus = Workspace['status'];
export type Role = Workspace['role'];
export type Members = Schemas['MembersDto'];
export type AuditPage = Schemas['AuditPageDto'];
export type AuditEvent = AuditPage['items'][number];
export type ChainVerdict = Schemas['ChainVerdictDto'];
export type SlugAvailability = Schemas['SlugAvailabilityDto'];
export type BillingStatus = Schemas['BillingStatusDto'];
export type Plan = Schemas['PlansDto']['plans'][number];
export type ProvisioningStatus = Schemas['ProvisioningStatusDto'];
export type ProvisioningRun = ProvisioningStatus['runs'][number];
export type ProvisioningStep = ProvisioningRun['steps'][number];
export type NodeHealth = Schemas['NodeHealthDto'];
export type Usage = Schemas['UsageDto'];
export type Agent = Schemas['AgentDto'];
export type Channel = Schemas['ChannelDto'];
export type SecretRecord = Schemas['SecretRecordDto'];
export type ExportJob = Schemas['ExportJobDto'];
export type ExportRecord = Schemas['ExportRecordDto'];
export type FleetNode = Schemas['FleetNodeDto'];
export type FleetUpgrade = Schemas['FleetUpgradeDto'];
export type Host = Schemas['HostDto'];
export type CreateChannelBody = NonNullable<
  paths['/api/workspaces/{id}/channels']['post']['requestBody']
>['content']['application/json'];
export type StaffAuditQuery = NonNullable<paths['/api/staff/audit-events']['get']['parameters']['query']>;
export type AuditFilter = Omit<StaffAuditQuery, 'cursor' | 'limit'>;

/** The API's error body: `{ error: { code, message, details } }` (libs/platform error-body.ts). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** An error answer (the API's or a node's: both send `{ error: { code, message, details } }`) as an ApiError. */
export function toApiError(error: unknown, response: Response): ApiError {
  const body = (error ?? {}) as { error?: { code?: string; message?: string; details?: unknown } };
  if (body.error?.code)
    return new ApiError(response.status, body.error.code, body.error.message ?? 'Request failed.', body.error.details);
  return new ApiError(
    response.status,
    `http_${response.status}`,
    response.status >= 500
      ? 'The server had a problem. Try again in a moment.'
      : `Request failed (${response.status}).`,
  );
}

/** Unwraps an openapi-fetch result: data on success, an ApiError otherwise (for TanStack Query). */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach Enclave. Check your connection and try again.');
  }
  if (!result.response.ok) throw toApiError(result.error, result.response);
  return result.data as T;
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

/** Same query string the staff audit list uses, for the CSV link. */
export function auditQueryString(filter: AuditFilter): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
