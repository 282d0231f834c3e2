import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { cloudflareEdgeFetch } from '@enclave/sandbox';
import { type SetUpEvidence, setUpCustomerWorkspace } from './customer-workspace';
import { endUserRoundTrip } from './end-user';
import { type JourneyStep, type StepReporter, stepRunner } from './journey-steps';
import type { LocalStack } from './local-stack';
import { waitUntil } from './processes';
import { dnsRecords, dnsResolver, stripeSubscriptions } from './provider-state';
import { untar } from './untar';

/** What the whole journey saw, for a test to assert on. */
export interface JourneyEvidence extends SetUpEvidence {
  /** The end user's message and the reply the Telegram stand-in received from the bot. */
  message: string;
  reply: string;
  /** Today's Telegram counts in the control plane's usage series. */
  usageToday: { inbound: number; outbound: number };
  /** The export link's host, the archive's message texts, and what the edge answered for a tampered link. */
  exported: { linkHost: string; messages: string[]; tamperedLinkStatus: number };
  /** What the API answers for the deleted workspace, and the Stripe stand-in's status of its subscriptions. */
  deleted: { workspaceStatusCode: number; stripeSubscriptionStatuses: string[] };
  /** After deprovisioning: the run, the node's wipe receipt, the DNS records left and the host's status. */
  deprovisioned: {
    workspaceStatus: string;
    runStatus: string;
    wipeReceipt: Record<string, unknown>;
    dnsRecords: number;
    hostStatus: string;
  };
}

/**
 * The whole customer journey through public interfaces only — the API as the web app calls
 * it, the sandbox's provider pages and test controls as end users and providers act — from
 * sign-up to a deleted, deprovisioned workspace. Any step that does not hold throws.
 */
export async function runJourney(
  stack: LocalStack,
  report: StepReporter = () => undefined,
): Promise<{ steps: JourneyStep[]; evidence: JourneyEvidence }> {
  const { steps, step } = stepRunner(report);
  const tag = randomBytes(3).toString('hex');
  const setup = await setUpCustomerWorkspace(stack, step, {
    login: `journey-${tag}`,
    name: 'Journey Customer',
    slug: `journey-${tag}`,
    workspaceName: `Journey ${tag}`,
  });
  const { customer, workspaceId, path: ws, hostname } = setup;
  const text = `Hello, do you ship to Lisbon? (${tag})`;
  const reply = await endUserRoundTrip(stack, step, setup, text);

  const usageToday = await step('usage visible in the control plane', async () => {
    const today = await waitUntil(
      'the heartbeat to report usage',
      async () => {
        const usage = await customer.expect(200, 'GET', `${ws}/usage?days=7`);
        const last = usage.series.at(-1);
        return last?.telegram?.inbound >= 1 && last?.telegram?.outbound >= 1 ? last : undefined;
      },
      60_000,
      500,
    );
    return {
      value: { inbound: today.telegram.inbound as number, outbound: today.telegram.outbound as number },
      detail: `telegram today: ${today.telegram.inbound} in, ${today.telegram.outbound} out`,
    };
  });

  const exported = await step('export link downloaded and checked', async () => {
    // The node builds the archive as a background job: the request answers at once, then it is polled.
    const job = await customer.expect(202, 'POST', `${ws}/exports`, { ttlSeconds: 600 });
    const link = await waitUntil(
      'the node to build the export',
      async () => {
        const polled = await customer.expect(200, 'GET', `${ws}/exports/${job.id}`);
        if (polled.state === 'failed') throw new Error('the node could not build the export');
        return polled.state === 'ready' ? polled : undefined;
      },
      60_000,
      200,
    );
    const url = new URL(link.url);
    if (url.hostname !== hostname) throw new Error(`export link on ${url.hostname}, expected ${hostname}`);
    // Download it as anyone on the internet would: through the Cloudflare edge to the node.
    const edge = cloudflareEdgeFetch({ resolve: await dnsResolver(stack), originCaPem: () => stack.originCaPem });
    const response = await edge(url.toString(), { method: 'GET', headers: {} });
    if (response.status !== 200) throw new Error(`export download answered ${response.status}`);
    const files = untar(gunzipSync(Buffer.from(await response.arrayBuffer())));
    const conversations = files.filter(
      (file) => file.name.startsWith('conversations/') && file.name.endsWith('.ndjson'),
    );
    const lines = conversations.flatMap((file) =>
      file.content
        .toString('utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
    if (!lines.some((line) => line.text === text)) throw new Error('the exported archive does not hold the message');
    const tampered = new URL(url);
    tampered.searchParams.set('signature', 'A'.repeat(43));
    const refused = await edge(tampered.toString(), { method: 'GET', headers: {} });
    if (refused.status !== 403) throw new Error(`a tampered link answered ${refused.status}`);
    return {
      value: {
        linkHost: url.hostname,
        messages: lines.flatMap((line) => (typeof line.text === 'string' ? [line.text] : [])),
        tamperedLinkStatus: refused.status,
      },
      detail: `${conversations.length} conversation file(s), ${lines.length} NDJSON lines, link until ${link.expiresAt}; tampered link 403`,
    };
  });

  const deleted = await step('delete the workspace', async () => {
    await customer.expect(204, 'DELETE', ws);
    const gone = await customer.call('GET', ws);
    if (gone.status !== 404) throw new Error(`the deleted workspace answered ${gone.status}`);
    const statuses = (await stripeSubscriptions(stack, workspaceId)).map((subscription) => subscription.status);
    if (statuses.length === 0 || statuses.some((status) => status !== 'canceled'))
      throw new Error(`the workspace's Stripe subscriptions are [${statuses.join(', ')}]`);
    return {
      value: { workspaceStatusCode: gone.status, stripeSubscriptionStatuses: statuses },
      detail: 'subscription cancelled, deprovisioning queued',
    };
  });

  const deprovisioned = await step('deprovisioned: wipe receipt, DNS record gone, host free', async () => {
    const { workspaceStatus, run } = await waitUntil(
      'deprovisioning to finish',
      async () => {
        const view = await stack.staff.expect(200, 'GET', `/api/staff/workspaces/${workspaceId}/provisioning`);
        if (view.workspaceStatus !== 'deprovisioned') return undefined;
        const succeeded = view.runs.find(
          (r: { action: string; status: string }) => r.action === 'deprovision' && r.status === 'succeeded',
        );
        return succeeded ? { workspaceStatus: view.workspaceStatus as string, run: succeeded } : undefined;
      },
      180_000,
      500,
    );
    const audit = await stack.staff.expect(200, 'GET', `/api/staff/audit-events?workspaceId=${workspaceId}&limit=500`);
    const wiped = audit.items.find((e: { action: string }) => e.action === 'node.wiped');
    if (!wiped) throw new Error(`no node.wiped audit event; deprovisioning audit: ${deprovisioningTrail(audit.items)}`);
    const records = await dnsRecords(stack, hostname);
    if (records.length !== 0) throw new Error(`${records.length} DNS record(s) left for ${hostname}`);
    const hosts = await stack.staff.expect(200, 'GET', '/api/staff/hosts');
    const host = hosts.find((h: { id: string }) => h.id === stack.host.hostId);
    if (host?.status !== 'free') throw new Error(`host is ${host?.status}`);
    return {
      value: {
        workspaceStatus,
        runStatus: run.status as string,
        wipeReceipt: wiped.details as Record<string, unknown>,
        dnsRecords: records.length,
        hostStatus: host.status as string,
      },
      detail: `receipt ${JSON.stringify(wiped.details).slice(0, 80)}; 0 DNS records; host ${host.name} free`,
    };
  });

  return {
    steps,
    evidence: { ...setup.evidence, message: text, reply, usageToday, exported, deleted, deprovisioned },
  };
}

/** What deprovisioning audited, newest first, so that a journey failing in CI says why. */
function deprovisioningTrail(items: readonly { action: string; details?: unknown }[]): string {
  return JSON.stringify(
    items
      .filter((e) => /^(node|host|deprovisioning|provisioning)\./.test(e.action))
      .slice(0, 12)
      .map((e) => ({ action: e.action, details: e.details })),
  ).slice(0, 1500);
}
