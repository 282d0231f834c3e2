// zod/mini, not classic zod: the agent node imports these schemas, and the classic API
// costs a small VPS ~10 MB of idle memory (docs/agent-node.md, "Footprint"). Mini schemas
// are the same zod core types, so the control plane mixes them into its classic schemas.
import * as z from 'zod/mini';
import { widgetSettingsSchema } from './widget';
import { transcriptSettingsSchema, webhookEndpointConfigSchema } from './webhooks';
import { apiChannelSchema } from './chat-api';

/** Version of the node protocol described by this file. Bump on incompatible change. */
export const NODE_PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------
// Errors: every 4xx/5xx from either side carries this body.
// ---------------------------------------------------------------------------
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.optional(z.unknown()),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

// ---------------------------------------------------------------------------
// Shared building blocks
// ---------------------------------------------------------------------------
const id = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'ids are 1-64 characters of A-Z a-z 0-9 _ -'));
export const providerSchema = z.enum(['openai', 'anthropic']);
export type ModelProvider = z.infer<typeof providerSchema>;
export const channelTypeSchema = z.enum(['telegram', 'whatsapp', 'web', 'api']);
export type ChannelType = z.infer<typeof channelTypeSchema>;

export const secretKindSchema = z.enum([
  'openai_api_key',
  'anthropic_api_key',
  'telegram_bot_token',
  'whatsapp_access_token',
  'whatsapp_app_secret',
  'widget_identity_secret',
  'chat_api_key',
  'webhook_signing_secret',
  'email_provider_credential',
]);
export type SecretKind = z.infer<typeof secretKindSchema>;

// ---------------------------------------------------------------------------
// Control plane → node: apply config
// ---------------------------------------------------------------------------
export const agentConfigSchema = z.strictObject({
  id,
  name: z.string().check(z.minLength(1), z.maxLength(100)),
  instructions: z.string().check(z.maxLength(20_000)),
  provider: providerSchema,
  model: z.string().check(z.minLength(1), z.maxLength(100)),
  enabled: z.boolean(),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;

export const telegramChannelSchema = z.strictObject({
  id,
  type: z.literal('telegram'),
  agentId: id,
  enabled: z.boolean(),
});
/** A WhatsApp message template's name, as Meta allows it: lowercase letters, digits and `_`. */
export const WHATSAPP_TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/;
/** A template's language code as Meta spells it: `en`, `en_US`, `pt_BR`, `fil`. */
export const WHATSAPP_LANGUAGE_CODE = /^[a-z]{2,3}(_[A-Z]{2})?$/;
/** An approved template (no variables) the node sends when WhatsApp's 24-hour window is closed. */
export const whatsappWindowTemplateSchema = z.strictObject({
  name: z.string().check(z.regex(WHATSAPP_TEMPLATE_NAME)),
  language: z.string().check(z.regex(WHATSAPP_LANGUAGE_CODE)),
});
export type WhatsAppWindowTemplate = z.infer<typeof whatsappWindowTemplateSchema>;
export const whatsappChannelSchema = z.strictObject({
  id,
  type: z.literal('whatsapp'),
  agentId: id,
  enabled: z.boolean(),
  /** WhatsApp Cloud API phone number id the channel sends from. */
  phoneNumberId: z.string().check(z.regex(/^\d{5,20}$/)),
  /** Value the customer enters as "Verify token" in the Meta dashboard (not a credential). */
  verifyToken: z.string().check(z.minLength(8), z.maxLength(200)),
  /**
   * Sent instead of a free-form message more than 24 hours after the user's last message (the
   * Cloud API refuses those, error 131047). Absent: nothing is sent (`window_closed`).
   */
  windowTemplate: z.optional(whatsappWindowTemplateSchema),
});
/** The website chat widget, served by the node itself (agent-node/src/widget/). */
export const webChannelSchema = z.strictObject({
  id,
  type: z.literal('web'),
  agentId: id,
  enabled: z.boolean(),
  widget: widgetSettingsSchema,
});
export const channelConfigSchema = z.discriminatedUnion('type', [
  telegramChannelSchema,
  whatsappChannelSchema,
  webChannelSchema,
  apiChannelSchema,
]);
export type ChannelConfig = z.infer<typeof channelConfigSchema>;

export const applyConfigRequestSchema = z
  .strictObject({
    /** Monotonic revision; a lower revision than the applied one is refused (409). */
    revision: z.int().check(z.nonnegative()),
    agents: z.array(agentConfigSchema).check(z.maxLength(50)),
    channels: z.array(channelConfigSchema).check(z.maxLength(50)),
    /** The dashboard's origin: the only one the node's CORS answers for node sessions. */
    dashboardOrigin: z.optional(z.url({ protocol: /^https?$/ })),
    /** Outbound webhook endpoints (absent: none); their signing secrets arrive as secrets. */
    webhooks: z.optional(z.array(webhookEndpointConfigSchema).check(z.maxLength(20))),
    /** Transcripts by mail (absent or null: off). */
    transcripts: z.optional(z.nullable(transcriptSettingsSchema)),
  })
  .check(
    z.superRefine((cfg, ctx) => {
      const agentIds = new Set<string>();
      for (const a of cfg.agents) {
        if (agentIds.has(a.id))
          ctx.addIssue({ code: 'custom', message: `duplicate agent id ${a.id}`, path: ['agents'] });
        agentIds.add(a.id);
      }
      const channelIds = new Set<string>();
      cfg.channels.forEach((c, i) => {
        if (channelIds.has(c.id))
          ctx.addIssue({ code: 'custom', message: `duplicate channel id ${c.id}`, path: ['channels', i, 'id'] });
        channelIds.add(c.id);
        if (!agentIds.has(c.agentId))
          ctx.addIssue({ code: 'custom', message: `unknown agent ${c.agentId}`, path: ['channels', i, 'agentId'] });
      });
    }),
  );
export type ApplyConfigRequest = z.infer<typeof applyConfigRequestSchema>;
export const applyConfigResponseSchema = z.object({ revision: z.int(), appliedAt: z.string() });

// ---------------------------------------------------------------------------
// Control plane → node: secrets (write-only; a node never returns a secret)
// ---------------------------------------------------------------------------
/** Scope of a secret: "default" (node-wide) or the id of the agent/channel that owns it. */
export const secretScopeSchema = z.union([z.literal('default'), id]);
export const putSecretRequestSchema = z.strictObject({
  value: z.string().check(z.minLength(1), z.maxLength(4096)),
  scope: z._default(secretScopeSchema, 'default'),
});
export type PutSecretRequest = z.infer<typeof putSecretRequestSchema>;
export const putSecretResponseSchema = z.object({ kind: secretKindSchema, scope: z.string(), storedAt: z.string() });
export const deleteSecretResponseSchema = z.object({ kind: secretKindSchema, scope: z.string(), deleted: z.boolean() });

// ---------------------------------------------------------------------------
// Health, retention, suspend, export, erase, wipe
// ---------------------------------------------------------------------------
export const nodeStateSchema = z.enum(['active', 'suspended', 'wiped']);
export type NodeState = z.infer<typeof nodeStateSchema>;

export const checkSchema = z.object({ ok: z.boolean(), code: z.optional(z.string()) });
export const healthChecksSchema = z.object({
  database: checkSchema,
  channels: z.array(
    z.object({ channelId: z.string(), type: channelTypeSchema, ok: z.boolean(), code: z.optional(z.string()) }),
  ),
  providers: z.array(z.object({ provider: providerSchema, ok: z.boolean(), code: z.optional(z.string()) })),
});
export type HealthChecks = z.infer<typeof healthChecksSchema>;

export const healthResponseSchema = z.object({
  protocolVersion: z.int(),
  nodeId: z.string(),
  version: z.string(),
  state: nodeStateSchema,
  uptimeSeconds: z.number(),
  enrolled: z.boolean(),
  configRevision: z.nullable(z.int()),
  checks: z.optional(healthChecksSchema),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;

export const setRetentionRequestSchema = z.strictObject({ days: z.int().check(z.gte(1), z.lte(3650)) });
export const setRetentionResponseSchema = z.object({ days: z.int() });

export const suspendResponseSchema = z.object({ state: nodeStateSchema });

export const requestExportRequestSchema = z.strictObject({
  /** Lifetime of the download link in seconds (default 1 hour, max 7 days). */
  ttlSeconds: z.optional(z.int().check(z.gte(60), z.lte(7 * 24 * 3600))),
});
/**
 * An export job on the node. `POST /v1/exports` starts one in the background (or answers the one
 * already building: one at a time per node, so asking twice is safe) and `GET /v1/exports/:exportId`
 * polls it; once `ready` it carries the signed, expiring download link. The link's lifetime runs
 * from the moment the archive is ready. A job the node forgot (its link expired and it was swept,
 * or it never existed) answers 404 `not_found`.
 */
const exportJobBase = { exportId: z.uuid(), requestedAt: z.iso.datetime() };
export const exportJobSchema = z.discriminatedUnion('state', [
  z.object({ ...exportJobBase, state: z.literal('building') }),
  z.object({
    ...exportJobBase,
    state: z.literal('ready'),
    url: z.url(),
    expiresAt: z.iso.datetime(),
    conversations: z.int(),
    messages: z.int(),
    bytes: z.int(),
    sha256: z.string(),
  }),
  /** The build failed (e.g. the disk filled up); nothing is kept, a new request starts over. */
  z.object({ ...exportJobBase, state: z.literal('failed'), code: z.string() }),
]);
export type ExportJob = z.infer<typeof exportJobSchema>;
export type ExportJobState = ExportJob['state'];

export const eraseConversationRequestSchema = z.union([
  z.strictObject({ conversationId: z.string().check(z.minLength(1), z.maxLength(100)) }),
  z.strictObject({ channelId: id, externalChatId: z.string().check(z.minLength(1), z.maxLength(100)) }),
]);
export type EraseConversationRequest = z.infer<typeof eraseConversationRequestSchema>;
export const eraseConversationResponseSchema = z.object({ erased: z.boolean(), messages: z.int() });

export const wipeRequestSchema = z.strictObject({
  /** Must equal the node id: a guard against wiping the wrong node. */
  confirmNodeId: z.string().check(z.minLength(1)),
});
export const wipeReceiptSchema = z.object({
  nodeId: z.string(),
  wipedAt: z.string(),
  deleted: z.object({
    conversations: z.int(),
    messages: z.int(),
    secrets: z.int(),
    exports: z.int(),
    webhooksUnregistered: z.int(),
    files: z.array(z.string()),
  }),
  /** Files left in the data directory after the wipe (relative paths). */
  remaining: z.array(z.string()),
  /** sha256 (hex) of the canonical JSON of this receipt without the sha256 field. */
  sha256: z.string(),
});
export type WipeReceipt = z.infer<typeof wipeReceiptSchema>;

/**
 * The control-plane keys a node trusts, replacing the one written in its config at install.
 * A rotation sends [current, next] signed by the current key, then [next] signed by the next
 * one; the signer must be in the set, so the control plane cannot lock itself out.
 */
export const setTrustedKeysRequestSchema = z.strictObject({
  /** Ed25519 public keys, SPKI PEM. */
  publicKeys: z.array(z.string().check(z.minLength(40), z.maxLength(1000))).check(z.minLength(1), z.maxLength(2)),
});
export type SetTrustedKeysRequest = z.infer<typeof setTrustedKeysRequestSchema>;
/** Fingerprints: SHA-256 (hex) of each key's SPKI encoding, in the order sent. */
export const setTrustedKeysResponseSchema = z.object({ fingerprints: z.array(z.string()), updatedAt: z.string() });
export type SetTrustedKeysResponse = z.infer<typeof setTrustedKeysResponseSchema>;

// ---------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------
/** Routes served by the agent node for the control plane (all signed by the control plane). */
export const NODE_ROUTES = {
  health: { method: 'GET', path: '/v1/health' },
  applyConfig: { method: 'PUT', path: '/v1/config' },
  putSecret: { method: 'PUT', path: '/v1/secrets/:kind' },
  deleteSecret: { method: 'DELETE', path: '/v1/secrets/:kind' },
  setRetention: { method: 'PUT', path: '/v1/retention' },
  suspend: { method: 'POST', path: '/v1/suspend' },
  resume: { method: 'POST', path: '/v1/resume' },
  requestExport: { method: 'POST', path: '/v1/exports' },
  exportStatus: { method: 'GET', path: '/v1/exports/:exportId' },
  eraseConversation: { method: 'POST', path: '/v1/conversations/erase' },
  wipe: { method: 'POST', path: '/v1/wipe' },
  setTrustedKeys: { method: 'PUT', path: '/v1/trusted-keys' },
} as const;

/** Routes the control plane serves for nodes (all signed by the node, except none). */
export const CONTROL_PLANE_ROUTES = {
  enrol: { method: 'POST', path: '/v1/nodes/enrol' },
  heartbeat: { method: 'POST', path: '/v1/nodes/:nodeId/heartbeats' },
} as const;

export function nodeRoutePath(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
}
