import * as z from 'zod/mini';
import { apiCountersSchema } from './chat-api';
import { inboxNoticeSchema } from './inbox-notices';
import { nodeStateSchema, healthChecksSchema } from './schemas';
import { webhookNoticeSchema } from './webhooks';

// ---------------------------------------------------------------------------
// Node → control plane
// ---------------------------------------------------------------------------
export const enrolRequestSchema = z.strictObject({
  protocolVersion: z.int(),
  nodeId: z.string().check(z.minLength(1)),
  enrolmentToken: z.string().check(z.minLength(16)),
  /** The node's Ed25519 public key, SPKI PEM. */
  publicKey: z.string().check(z.minLength(40)),
  version: z.string(),
  publicBaseUrl: z.url(),
});
export type EnrolRequest = z.infer<typeof enrolRequestSchema>;
/** The control plane's acknowledgement of an enrolment; the node checks it before counting itself enrolled. */
export const enrolResponseSchema = z.object({ nodeId: z.string(), enrolledAt: z.string() });
export type EnrolResponse = z.infer<typeof enrolResponseSchema>;

const channelCounters = z.object({ inbound: z.int(), outbound: z.int(), failures: z.int() });
const whatsappCounters = z.object({
  inbound: z.int(),
  outbound: z.int(),
  failures: z.int(),
  /** Messages not sent as written because the 24-hour window was closed (absent from older nodes). */
  windowClosed: z.optional(z.int()),
});

export const heartbeatRequestSchema = z.strictObject({
  protocolVersion: z.int(),
  nodeId: z.string(),
  version: z.string(),
  state: nodeStateSchema,
  sentAt: z.string(),
  uptimeSeconds: z.number(),
  configRevision: z.nullable(z.int()),
  checks: healthChecksSchema,
  /** Counts since the last acknowledged heartbeat. Never message text or names. */
  counters: z.object({
    since: z.nullable(z.string()),
    channels: z.object({
      telegram: channelCounters,
      whatsapp: whatsappCounters,
      /** The website chat widget (absent from nodes before it). */
      web: z.optional(channelCounters),
    }),
    providerErrors: z.int(),
    fallbackReplies: z.int(),
    /** Conversations handed to people, and replies people sent (absent from nodes before the inbox). */
    handoffs: z.optional(z.int()),
    humanReplies: z.optional(z.int()),
    /** The OpenAI-compatible chat API (absent from nodes before it). */
    api: z.optional(apiCountersSchema),
  }),
  inboxNotices: z.optional(z.array(inboxNoticeSchema).check(z.maxLength(100))),
  /** Endpoints the node disabled (a 410 from the receiver), absent from nodes before webhooks. */
  webhookNotices: z.optional(z.array(webhookNoticeSchema).check(z.maxLength(100))),
  /** The knowledge base's size (absent from nodes before it): counts only, never texts or names. */
  knowledge: z.optional(z.strictObject({ sources: z.int(), chunks: z.int(), bytes: z.int() })),
  /** Channel identifiers active since the last beat (ids from the config, not end-user ids). */
  activeChannelIds: z.array(z.string()),
  lastActivityAt: z.nullable(z.string()),
  retention: z.object({
    days: z.int(),
    lastPurgeAt: z.nullable(z.string()),
    purgedMessages: z.int(),
    purgedConversations: z.int(),
  }),
});
export type HeartbeatRequest = z.infer<typeof heartbeatRequestSchema>;
/** Acknowledges a beat: only a reply of this shape lets the node subtract the counters it reported. */
export const heartbeatResponseSchema = z.looseObject({ receivedAt: z.string() });
export type HeartbeatResponse = z.infer<typeof heartbeatResponseSchema>;
