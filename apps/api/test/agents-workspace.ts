import { randomBytes } from 'node:crypto';
import { recordNeedle } from '@enclave/sandbox';
import {
  createNodeRecord,
  type AgentsHarness,
  ownerWithWorkspace,
  type Owner,
  type RunningNode,
  startAgentNode,
  startAgentsHarness,
} from './agent-node-harness';
import type { ApiHarness } from './api-harness';
import { signInByEmail } from './sign-in';

/** `n` random letters and digits: distinctive values to find (or not) later. */
export const alnum = (n: number) =>
  randomBytes(n * 2)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, n);

/** A Telegram bot token the sandbox accepts (any well-formed token is a bot there). */
export function telegramToken(): string {
  const token = `${600_000_000 + Math.floor(Math.random() * 99_999_999)}:AA${alnum(33)}`;
  recordNeedle('secret', token);
  return token;
}

/** The actions of the workspace's audit events. */
export async function auditActions(api: ApiHarness, workspaceId: string): Promise<string[]> {
  const rows = (await api.dataSource.query('SELECT action FROM audit_events WHERE workspace_id = $1', [
    workspaceId,
  ])) as Array<{ action: string }>;
  return rows.map((row) => row.action);
}

/**
 * An owner's workspace with a member, an admin, an enrolled agent node, an OpenAI agent (no key)
 * and a Telegram channel on it; plus an outsider's workspace without a node.
 */
export interface AgentsWorkspace {
  h: AgentsHarness;
  owner: Owner;
  outsider: Owner;
  memberCookie: string;
  adminCookie: string;
  node: RunningNode;
  nodeId: string;
  agentId: string;
  channelId: string;
  botToken: string;
  /** API path of the owner's workspace: /api/workspaces/<id>. */
  ws: string;
  close(): Promise<void>;
}

export async function startAgentsWorkspace(
  opts: { env?: NodeJS.ProcessEnv; node?: Record<string, unknown> } = {},
): Promise<AgentsWorkspace> {
  const h = await startAgentsHarness(opts.env);
  let node: RunningNode | undefined;
  // A failed set-up closes what it started: the spec's afterAll has nothing to close yet.
  try {
    const owner = await ownerWithWorkspace(h.api, 'acl');
    const outsider = await ownerWithWorkspace(h.api, 'other');
    const ws = `/api/workspaces/${owner.workspaceId}`;
    const memberEmail = `member-${alnum(6)}@example.com`.toLowerCase();
    const adminEmail = `admin-${alnum(6)}@example.com`.toLowerCase();
    const memberCookie = await signInByEmail(h.api, memberEmail);
    const adminCookie = await signInByEmail(h.api, adminEmail);
    for (const [email, role] of [
      [memberEmail, 'member'],
      [adminEmail, 'admin'],
    ])
      await h.api.http().post(`${ws}/members`).set('Cookie', owner.cookie).send({ email, role }).expect(201);
    const record = await createNodeRecord(h.api, owner.workspaceId);
    node = await startAgentNode(h, record, opts.node);
    if (!(await node.app.internals.heartbeat.beat())) throw new Error('the node did not enrol');
    const agent = await h.api
      .http()
      .post(`${ws}/agents`)
      .set('Cookie', adminCookie)
      .send({ name: 'Helper', provider: 'openai', model: 'gpt-4o-mini' })
      .expect(201);
    const botToken = telegramToken();
    const channel = await h.api
      .http()
      .post(`${ws}/channels`)
      .set('Cookie', adminCookie)
      .send({ type: 'telegram', agentId: agent.body.agent.id, botToken })
      .expect(201);
    const running = node;
    return {
      h,
      owner,
      outsider,
      memberCookie,
      adminCookie,
      node: running,
      nodeId: record.nodeId,
      agentId: agent.body.agent.id,
      channelId: channel.body.channel.id,
      botToken,
      ws,
      async close() {
        await running.stop();
        await h.close();
      },
    };
  } catch (error) {
    await node?.stop();
    await h.close();
    throw error;
  }
}
