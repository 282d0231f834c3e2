import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { cloudflareEdgeFetch, type EdgeOrigin } from '@enclave/sandbox';
import { ApiClient, followSignIn } from './browserless-client';
import type { LocalStack } from './local-stack';
import { NODE_ZONE } from './local-stack';
import { waitUntil } from './processes';

export interface JourneyStep {
  name: string;
  ms: number;
  detail: string;
}

export type StepReporter = (step: JourneyStep) => void;

/** Runs named steps, timing each and reporting it; a failing step throws with its name. */
export function stepRunner(report: StepReporter = () => undefined) {
  const steps: JourneyStep[] = [];
  const step = async <T>(name: string, work: () => Promise<{ value: T; detail: string }>): Promise<T> => {
    const started = Date.now();
    try {
      const { value, detail } = await work();
      const done = { name, ms: Date.now() - started, detail };
      steps.push(done);
      report(done);
      return value;
    } catch (error) {
      throw new Error(`journey step "${name}" failed after ${Date.now() - started} ms: ${(error as Error).message}`);
    }
  };
  return { steps, step };
}
export type Step = ReturnType<typeof stepRunner>['step'];

export interface CustomerIdentity {
  /** GitHub login in the sandbox (the e-mail is `<login>@example.com`). */
  login: string;
  name: string;
  slug: string;
  workspaceName: string;
}

/** A customer's workspace with its agent node up, an OpenAI agent and a Telegram bot connected. */
export interface CustomerWorkspace {
  customer: ApiClient;
  workspaceId: string;
  /** API path of the workspace: /api/workspaces/<id>. */
  path: string;
  /** The node's public hostname (<slug>.<zone>). */
  hostname: string;
  agentId: string;
  botToken: string;
  botUsername: string;
  evidence: SetUpEvidence;
}

/** What the set-up saw at each step, for a test to assert on (each step also throws when it does not hold). */
export interface SetUpEvidence {
  /** GET /api/me after the GitHub sign-in. */
  signedInAs: string;
  /** The workspace's status when created, once the paid checkout's webhook landed, and once provisioned. */
  workspaceStatus: { created: string; paid: string; provisioned: string };
  /** The node's public hostname (<slug>.<zone>). */
  hostname: string;
  /** The provision run's steps as the API reports them. */
  provisionSteps: Array<{ name: string; status: string }>;
  /** The node's proxied DNS records in the Cloudflare stand-in once provisioned. */
  dnsRecords: number;
  /** The OpenAI key given to the API, the mask it shows back, and whether it reached the node. */
  openAiKey: { key: string; mask: string; delivery: string };
  /** The bot's username as Telegram's getMe names it, and whether its token reached the node. */
  telegram: { botUsername: string; delivery: string };
}

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

/** The sandbox's provider pages and test controls, as end users and providers act. */
function sandboxClient(stack: LocalStack) {
  const sandbox = (path: string, init?: RequestInit) =>
    fetch(`${stack.sandboxUrl}${path}`, init).then(async (r) =>
      r.headers.get('content-type')?.includes('json') ? r.json() : r.text(),
    );
  const postJson = (path: string, body: unknown) =>
    sandbox(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { sandbox, postJson };
}

/**
 * The customer's side up to a working agent, through public interfaces only (the API as the
 * web app calls it, the sandbox's provider pages): sign up with GitHub → create the workspace →
 * pay on Stripe Checkout → provisioning over SSH onto the local host → an OpenAI agent and its
 * key → a Telegram bot connected.
 */
export async function setUpCustomerWorkspace(
  stack: LocalStack,
  step: Step,
  identity: CustomerIdentity,
): Promise<CustomerWorkspace> {
  const { postJson } = sandboxClient(stack);
  const customer = new ApiClient(stack.apiUrl);
  const { login, slug } = identity;
  const email = `${login}@example.com`;

  const signedInAs = await step('sign up with GitHub', async () => {
    await postJson('/github/_test/users', { login, email, name: identity.name, emailVerified: true });
    await postJson('/github/_test/auto-approve', { login });
    customer.cookie = await followSignIn(`${stack.apiUrl}/api/auth/github`, new URL(stack.apiUrl).origin);
    const me = await customer.expect(200, 'GET', '/api/me');
    if (me.email !== email) throw new Error(`signed in as ${me.email}`);
    return { value: me.email as string, detail: `${me.email} via ${me.identities.join(', ')}` };
  });

  const created = await step('create workspace', async () => {
    const availability = await customer.expect(200, 'GET', `/api/workspaces/slug-availability?slug=${slug}`);
    if (!availability.available) throw new Error(`slug ${slug} unavailable`);
    const workspace = await customer.expect(201, 'POST', '/api/workspaces', { name: identity.workspaceName, slug });
    return {
      value: { id: workspace.id as string, status: workspace.status as string },
      detail: `${workspace.slug} (${workspace.status})`,
    };
  });
  const workspaceId = created.id;
  const ws = `/api/workspaces/${workspaceId}`;

  const paidStatus = await step('pay on Stripe Checkout (signed webhook)', async () => {
    const { url } = await customer.expect(200, 'POST', `${ws}/checkout`, { planId: 'monthly' });
    const paid = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        card_number: '4242 4242 4242 4242',
        card_expiry: '12/34',
        card_cvc: '123',
        name: identity.name,
      }),
    });
    if (paid.status !== 303) throw new Error(`checkout page answered ${paid.status}`);
    const status = await waitUntil(
      'the webhook to start provisioning',
      async () => {
        const workspace = await customer.expect(200, 'GET', ws);
        return workspace.status !== 'pending_payment' ? (workspace.status as string) : undefined;
      },
      30_000,
    );
    return { value: status, detail: `paid; workspace ${status}` };
  });

  const hostname = `${slug}.${NODE_ZONE}`;
  const provisioned = await step('provision over SSH onto the local host', async () => {
    const status = await waitUntil(
      'provisioning to finish',
      async () => {
        const progress = await customer.expect(200, 'GET', `${ws}/provisioning`);
        const run = progress.runs.find((r: { action: string }) => r.action === 'provision');
        if (progress.workspaceStatus === 'provisioning_failed') throw new Error(`provisioning failed: ${run?.error}`);
        return progress.workspaceStatus === 'active' ? progress : undefined;
      },
      300_000,
      500,
    );
    const run = status.runs.find((r: { action: string }) => r.action === 'provision');
    const steps: Array<{ name: string; status: string; startedAt: string; finishedAt: string }> = run.steps;
    const timings = steps.map((s) => `${s.name} ${Date.parse(s.finishedAt) - Date.parse(s.startedAt)}ms`).join(', ');
    return {
      value: {
        status: status.workspaceStatus as string,
        steps: steps.map(({ name, status: stepStatus }) => ({ name, status: stepStatus })),
        dnsRecords: (await dnsRecords(stack, hostname)).filter((record) => record.proxied).length,
      },
      detail: `${status.hostname} active; ${timings}`,
    };
  });

  const agent = await step('configure the agent (OpenAI key)', async () => {
    const { agent } = await customer.expect(201, 'POST', `${ws}/agents`, {
      name: 'Support',
      instructions: 'You are the support agent of a small shop. Answer briefly.',
      provider: 'openai',
      model: 'gpt-4o-mini',
    });
    const key = `sk-proj-${randomBytes(24).toString('base64url')}`;
    const stored = await customer.expect(200, 'PUT', `${ws}/secrets/openai_api_key`, { value: key });
    return {
      value: { id: agent.id as string, key, mask: stored.secret.mask as string, delivery: stored.delivery as string },
      detail: `agent ${agent.name}; key ${stored.secret.mask}, ${stored.delivery}`,
    };
  });
  const agentId = agent.id;

  const botToken = `${100_000_000 + Math.floor(Math.random() * 800_000_000)}:${randomBytes(26).toString('base64url')}`;
  const telegram = await step('connect Telegram', async () => {
    const channel = await customer.expect(201, 'POST', `${ws}/channels`, { type: 'telegram', agentId, botToken });
    return {
      value: { botUsername: channel.channel.telegram.botUsername as string, delivery: channel.delivery as string },
      detail: `@${channel.channel.telegram.botUsername}, ${channel.delivery}`,
    };
  });

  return {
    customer,
    workspaceId,
    path: ws,
    hostname,
    agentId,
    botToken,
    botUsername: telegram.botUsername,
    evidence: {
      signedInAs,
      workspaceStatus: { created: created.status, paid: paidStatus, provisioned: provisioned.status },
      hostname,
      provisionSteps: provisioned.steps,
      dnsRecords: provisioned.dnsRecords,
      openAiKey: { key: agent.key, mask: agent.mask, delivery: agent.delivery },
      telegram,
    },
  };
}

/** An end user writes to the bot on Telegram; the agent's reply (the model's answer) comes back. */
export async function endUserRoundTrip(
  stack: LocalStack,
  step: Step,
  workspace: CustomerWorkspace,
  text: string,
): Promise<string> {
  const { sandbox, postJson } = sandboxClient(stack);
  await step("an end user's message", async () => {
    await postJson(`/telegram/_test/bots/${workspace.botToken}/updates`, { chatId: 777, text });
    return { value: undefined, detail: 'sent to the bot through the Telegram stand-in' };
  });
  return step("the agent's reply", async () => {
    const reply = await waitUntil(
      'the reply',
      async () => {
        const sent = (await sandbox(`/telegram/_test/bots/${workspace.botToken}/sent`)) as {
          messages: Array<{ text: string }>;
        };
        return sent.messages.find((message) => message.text.includes(text))?.text ?? sent.messages.at(-1)?.text;
      },
      60_000,
      300,
    );
    // The sandbox model answers "[model] You said: …": anything else is the node's fallback.
    if (!reply.includes('You said') || !reply.includes(text))
      throw new Error(`the reply is not the model's answer: "${reply}"`);
    return { value: reply, detail: `"${reply.slice(0, 60)}${reply.length > 60 ? '…' : ''}"` };
  });
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
    const link = await customer.expect(201, 'POST', `${ws}/exports`, { ttlSeconds: 600 });
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
    if (!wiped) throw new Error('no node.wiped audit event');
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

/** The workspace's subscriptions as Stripe (the stand-in) holds them, found by the metadata our checkout sets. */
async function stripeSubscriptions(
  stack: LocalStack,
  workspaceId: string,
): Promise<Array<{ id: string; status: string }>> {
  const response = await fetch(`${stack.stripeUrl}/v1/subscriptions?status=all&limit=100`, {
    headers: { authorization: `Bearer ${stack.env.STRIPE_SECRET_KEY}` },
  });
  const { data } = (await response.json()) as {
    data: Array<{ id: string; status: string; metadata: Record<string, string> }>;
  };
  return data.filter((subscription) => subscription.metadata.workspace_id === workspaceId);
}

async function dnsRecords(stack: LocalStack, name: string): Promise<Array<{ content: string; proxied: boolean }>> {
  const response = await fetch(
    `${stack.sandboxUrl}/cloudflare/client/v4/zones/${stack.zoneId}/dns_records?name=${encodeURIComponent(name)}`,
    { headers: { authorization: `Bearer ${stack.env.CLOUDFLARE_API_TOKEN}` } },
  );
  return ((await response.json()) as { result: Array<{ content: string; proxied: boolean }> }).result;
}

/** Public DNS as the sandbox holds it: a proxied record's address (the edge connects there). */
async function dnsResolver(stack: LocalStack): Promise<(hostname: string) => EdgeOrigin | undefined> {
  const response = await fetch(
    `${stack.sandboxUrl}/cloudflare/client/v4/zones/${stack.zoneId}/dns_records?per_page=100`,
    { headers: { authorization: `Bearer ${stack.env.CLOUDFLARE_API_TOKEN}` } },
  );
  const records = ((await response.json()) as { result: Array<{ name: string; content: string; proxied: boolean }> })
    .result;
  return (hostname) => {
    const address = records.find((record) => record.proxied && record.name === hostname)?.content;
    return address ? { address, port: stack.ports.nodePublic } : undefined;
  };
}

/** The files of a ustar archive (names and contents), enough to check an export. */
function untar(archive: Buffer): Array<{ name: string; content: Buffer }> {
  const files: Array<{ name: string; content: Buffer }> = [];
  for (let offset = 0; offset + 512 <= archive.length;) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const name = [field(345, 155), field(0, 100)].filter(Boolean).join('/');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    if (field(156, 1) === '0' || field(156, 1) === '')
      files.push({ name, content: archive.subarray(offset + 512, offset + 512 + size) });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

export function summaryTable(steps: JourneyStep[]): string {
  const width = Math.max(...steps.map((s) => s.name.length), 4);
  const total = steps.reduce((sum, s) => sum + s.ms, 0);
  const rows = steps.map(
    (s, i) =>
      `${String(i + 1).padStart(2)}  ${s.name.padEnd(width)}  ${`${(s.ms / 1000).toFixed(1)} s`.padStart(8)}  ok`,
  );
  return [
    `    ${'step'.padEnd(width)}  ${'time'.padStart(8)}`,
    ...rows,
    `    ${'total'.padEnd(width)}  ${`${(total / 1000).toFixed(1)} s`.padStart(8)}`,
  ].join('\n');
}
