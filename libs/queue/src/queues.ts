import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * Every queue and job of the control plane, with its payload schema, in one place.
 * WARNING: queue and job names are stored in Redis with every waiting job. Renaming one
 * strands the jobs already queued under the old name: add the new name, drain, then remove.
 * Payloads carry ids only — never a secret or message content (they sit in Redis).
 */
export enum QueueName {
  System = 'system',
  /** Provisioning and deprovisioning of workspace hosts (handlers: provisioning engine). */
  Provisioning = 'provisioning',
  /** Billing timers: grace-period expiry, deprovisioning after cancellation. */
  Billing = 'billing',
  /** Control plane → agent node deliveries: config, secrets waiting for their node, sweeps. */
  NodeDelivery = 'node-delivery',
  /** Mail to a workspace's team about something on its node (ids only; the text names no content). */
  Notifications = 'notifications',
  /** A user's own data: "Download my data" archives, the retention schedule of account records. */
  Account = 'account',
}

export enum JobName {
  /** Proves a worker is consuming jobs. */
  WorkerPing = 'worker-ping',
  /** Brings a paid workspace's agent node up (enqueued by billing when a subscription becomes active). */
  ProvisionWorkspace = 'provision-workspace',
  /** Tears a workspace's agent node down (enqueued by billing once a cancellation's delay has passed). */
  DeprovisionWorkspace = 'deprovision-workspace',
  /** Repeatable: compares workspaces with their DNS records and node heartbeats, repairs drift. */
  ReconcileFleet = 'reconcile-fleet',
  /** Rolls a new agent-node bundle to the nodes of a staff-requested fleet upgrade, N at a time. */
  UpgradeFleet = 'upgrade-fleet',
  /** Runs when a past-due workspace's grace period ends: suspends it if it is still unpaid. */
  BillingGraceExpired = 'billing-grace-expired',
  /** Runs when a canceled workspace's deprovisioning delay ends: requests deprovisioning if still canceled. */
  BillingDeprovisionDue = 'billing-deprovision-due',
  /** Pushes a workspace's pending config, settings and encrypted pending secrets to its node once it is ready. */
  DeliverToNode = 'deliver-to-node',
  /** Repeatable: deletes pending secrets whose TTL (≤ 1 hour) has passed. */
  SweepPendingSecrets = 'sweep-pending-secrets',
  /** Mails every member of a workspace that a conversation was handed to people (a link, no content). */
  InboxHandoff = 'inbox-handoff',
  /** Builds a user's "Download my data" zip (account, identities, sessions, memberships, workspaces, audit). */
  AccountExport = 'account-export',
  /** Repeatable: applies the retention schedule of the control plane's own records (docs/data-placement.md). */
  AccountRetention = 'account-retention',
}

/** A conversation id as nodes make them (UUIDs); anything else is never put in a job or a link. */
export const nodeConversationIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const JOB_PAYLOAD_SCHEMAS = {
  [JobName.WorkerPing]: z.strictObject({ requestedAt: z.iso.datetime() }),
  [JobName.ProvisionWorkspace]: z.strictObject({ workspaceId: z.uuid() }),
  [JobName.DeprovisionWorkspace]: z.strictObject({ workspaceId: z.uuid() }),
  [JobName.ReconcileFleet]: z.strictObject({}),
  [JobName.UpgradeFleet]: z.strictObject({ upgradeId: z.uuid() }),
  [JobName.BillingGraceExpired]: z.strictObject({
    workspaceId: z.uuid(),
    subscriptionId: z.string().min(1).max(255),
    invoiceId: z.string().min(1).max(255),
  }),
  [JobName.BillingDeprovisionDue]: z.strictObject({
    workspaceId: z.uuid(),
    subscriptionId: z.string().min(1).max(255),
  }),
  // Ids only: the secrets themselves wait encrypted in PostgreSQL, never in Redis.
  [JobName.DeliverToNode]: z.strictObject({ workspaceId: z.uuid() }),
  [JobName.SweepPendingSecrets]: z.strictObject({}),
  // The node's ids: the conversation's (never an end user's chat id) and its outbox sequence.
  [JobName.InboxHandoff]: z.strictObject({
    workspaceId: z.uuid(),
    nodeId: z.uuid(),
    noticeId: z.number().int().positive(),
    conversationId: nodeConversationIdSchema,
  }),
  [JobName.AccountExport]: z.strictObject({ exportId: z.uuid() }),
  [JobName.AccountRetention]: z.strictObject({}),
} satisfies { [J in JobName]: z.ZodType };

export type JobPayloads = { [J in JobName]: z.infer<(typeof JOB_PAYLOAD_SCHEMAS)[J]> };

export const QUEUE_OF_JOB: { [J in JobName]: QueueName } = {
  [JobName.WorkerPing]: QueueName.System,
  [JobName.ProvisionWorkspace]: QueueName.Provisioning,
  [JobName.DeprovisionWorkspace]: QueueName.Provisioning,
  [JobName.ReconcileFleet]: QueueName.Provisioning,
  [JobName.UpgradeFleet]: QueueName.Provisioning,
  [JobName.BillingGraceExpired]: QueueName.Billing,
  [JobName.BillingDeprovisionDue]: QueueName.Billing,
  [JobName.DeliverToNode]: QueueName.NodeDelivery,
  [JobName.SweepPendingSecrets]: QueueName.NodeDelivery,
  [JobName.InboxHandoff]: QueueName.Notifications,
  [JobName.AccountExport]: QueueName.Account,
  [JobName.AccountRetention]: QueueName.Account,
};

/**
 * Deterministic job ids: enqueuing the same work twice is a no-op while the first job exists.
 * (BullMQ refuses ":" in custom ids, hence the dots.)
 */
export const JOB_IDS = {
  provisionWorkspace: (workspaceId: string) => `provision.${workspaceId}`,
  deprovisionWorkspace: (workspaceId: string) => `deprovision.${workspaceId}`,
  upgradeFleet: (upgradeId: string) => `upgrade-fleet.${upgradeId}`,
  billingGraceExpired: (workspaceId: string, invoiceId: string) => `billing-grace.${workspaceId}.${invoiceId}`,
  billingDeprovisionDue: (workspaceId: string, subscriptionId: string) =>
    `billing-deprovision.${workspaceId}.${subscriptionId}`,
  /** One waiting delivery per workspace: enqueuing again while one waits is a no-op. */
  deliverToNode: (workspaceId: string) => `deliver-node.${workspaceId}`,
  /** One notification per inbox notice: a heartbeat sent again enqueues nothing new. */
  inboxHandoff: (nodeId: string, noticeId: number) => `inbox-handoff.${nodeId}.${noticeId}`,
  accountExport: (exportId: string) => `account-export.${exportId}`,
} as const;

/** Retried with exponential backoff; failed jobs are kept for staff to inspect. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: false,
};
