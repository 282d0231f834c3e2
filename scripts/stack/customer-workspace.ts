import { randomBytes } from 'node:crypto';
import { ApiClient, followSignIn } from './browserless-client';
import type { Step } from './journey-steps';
import type { LocalStack } from './local-stack';
import { NODE_ZONE } from './local-stack';
import { waitUntil } from './processes';
import { dnsRecords, sandboxClient } from './provider-state';

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
