import type { INestApplicationContext } from '@nestjs/common';
import { signRequest } from '@enclave/node-protocol';
import { NodeEntity } from '@enclave/persistence';
import { JobName, QueueService } from '@enclave/queue';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../test/agent-node-harness';
import { type AgentsWorkspace, alnum, startAgentsWorkspace } from '../../test/agents-workspace';

interface InboxEvent {
  action: string;
  actor_type: string;
  actor_id: string | null;
  target_id: string;
  details: Record<string, unknown>;
}
interface Mail {
  subject: string;
  text: string;
}

const SUBJECT = 'A conversation is waiting for your team';

/**
 * The inbox part of heartbeats: notices from a real node (handoff, trash, restore, erase) become
 * audit events with ids and counts, a handoff mails every member a link and nothing of the
 * conversation, each notice counts once, and handoffs and human replies land in the usage.
 */
describe('heartbeat inbox notices', () => {
  let f: AgentsWorkspace;
  let worker: INestApplicationContext;
  let conversationId: string;
  const http = () => f.h.api.http();
  const secretText = `parcel ${alnum(12)} under the doormat`;
  const contactName = `Contact${alnum(8)}`;
  const wsId = () => f.owner.workspaceId;

  const events = async (): Promise<InboxEvent[]> =>
    (await f.h.api.dataSource.query(
      `SELECT action, actor_type, actor_id, target_id, details FROM audit_events
        WHERE workspace_id = $1 AND action LIKE 'inbox.%' AND action <> 'inbox.opened' ORDER BY id`,
      [wsId()],
    )) as InboxEvent[];
  const members = async () =>
    (await f.h.api.dataSource.query(
      `SELECT u.id, u.email, m.role FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.workspace_id = $1`,
      [wsId()],
    )) as Array<{ id: string; email: string; role: string }>;
  const mailsTo = async (email: string): Promise<Mail[]> =>
    (await (
      await fetch(`${f.h.api.sandbox.url}/mail/messages?to=${encodeURIComponent(email)}&subject=${SUBJECT}`)
    ).json()) as Mail[];
  const session = async (cookie: string) =>
    (await http().post(`${f.ws}/node-sessions`).set('Cookie', cookie).send({}).expect(201)).body.token as string;
  const atNode = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${f.node.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const beatPath = () => `/api/v1/nodes/${f.nodeId}/heartbeats`;
  const signedBeat = (notices: unknown[], counters: Record<string, number> = {}) => {
    const body = JSON.stringify({
      protocolVersion: 1,
      nodeId: f.nodeId,
      version: '0.1.0',
      state: 'active',
      sentAt: new Date().toISOString(),
      uptimeSeconds: 5,
      configRevision: null,
      checks: { database: { ok: true }, channels: [], providers: [] },
      counters: {
        since: null,
        channels: {
          telegram: { inbound: 0, outbound: 0, failures: 0 },
          whatsapp: { inbound: 0, outbound: 0, failures: 0 },
        },
        providerErrors: 0,
        fallbackReplies: 0,
        ...counters,
      },
      inboxNotices: notices,
      activeChannelIds: [],
      lastActivityAt: null,
      retention: { days: 365, lastPurgeAt: null, purgedMessages: 0, purgedConversations: 0 },
    });
    const privateKey = readFileSync(join(f.node.dataDir, 'keys', 'node-identity.key.pem'), 'utf8');
    return http()
      .post(beatPath())
      .set({
        'content-type': 'application/json',
        ...signRequest({ method: 'POST', path: beatPath(), body, privateKey, nodeId: f.nodeId }),
      })
      .send(body);
  };
  const lastNoticeId = async () =>
    Number((await f.h.api.dataSource.getRepository(NodeEntity).findOneByOrFail({ id: f.nodeId })).lastInboxNoticeId);
  const today = async () =>
    (await http().get(`${f.ws}/usage?days=1`).set('Cookie', f.owner.cookie).expect(200)).body as {
      series: Array<{ handoffs: number; humanReplies: number }>;
      totals: { handoffs: number; humanReplies: number };
    };

  beforeAll(async () => {
    f = await startAgentsWorkspace();
    worker = await f.h.startWorker();
  });
  afterAll(async () => {
    await worker?.close();
    await f?.close();
  });

  it('a handoff on the node is audited and every member is mailed a link to it, with no content', async () => {
    await f.h.providersJson('POST', `/telegram/_test/bots/${f.botToken}/updates`, {
      chatId: 5151,
      firstName: contactName,
      text: `I want a human: ${secretText}`,
    });
    const token = await session(f.memberCookie);
    const listed = await waitFor(async () => {
      const body = await atNode(token, 'GET', '/v1/inbox/conversations?handler=human');
      return (body.conversations as Array<{ id: string }>)[0];
    });
    conversationId = listed.id;
    expect(await f.node.app.internals.heartbeat.beat()).toBe(true);

    expect(await events()).toEqual([
      {
        action: 'inbox.handoff_requested',
        actor_type: 'system',
        actor_id: null,
        target_id: conversationId,
        details: { nodeId: f.nodeId, conversationId },
      },
    ]);
    const everyone = await members();
    expect(everyone.map((m) => m.role).sort()).toEqual(['admin', 'member', 'owner']);
    for (const { email } of everyone) {
      const mails = await waitFor(async () => ((await mailsTo(email)).length ? mailsTo(email) : undefined));
      expect(mails).toHaveLength(1);
      expect(mails[0].text).toContain(`${f.h.api.url}/workspaces/${wsId()}/inbox?conversation=${conversationId}`);
      for (const content of [secretText, 'parcel', contactName, 'I want a human'])
        expect(`${mails[0].subject}\n${mails[0].text}`).not.toContain(content);
    }
    expect((await today()).totals.handoffs).toBe(1);
    // The API's and the worker's debug logs saw the notice and the job, not the conversation.
    for (const content of [secretText, contactName]) expect(f.h.logs.join('\n')).not.toContain(content);
  });

  it('a beat sent again with the same notices changes nothing: no second event, job or mail', async () => {
    const last = await lastNoticeId();
    expect(last).toBeGreaterThan(0);
    const again = { id: last, type: 'handoff_requested', conversationId, actorUserId: null, messages: null, at: '' };
    await signedBeat([again]).expect(200);
    expect(await events()).toHaveLength(1);
    const queue = f.h.api.app.get(QueueService).queueOf(JobName.InboxHandoff);
    expect(await queue.getJobCounts('completed', 'waiting', 'delayed', 'active', 'failed')).toEqual({
      completed: 1,
      waiting: 0,
      delayed: 0,
      active: 0,
      failed: 0,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const { email } of await members()) expect(await mailsTo(email)).toHaveLength(1);
  });

  it('team replies, trash, restore and erase: audited with the acting member, counts and ids only', async () => {
    const member = await session(f.memberCookie);
    const admin = await session(f.adminCookie);
    await atNode(member, 'POST', `/v1/inbox/conversations/${conversationId}/takeover`);
    await atNode(member, 'POST', `/v1/inbox/conversations/${conversationId}/messages`, { text: 'On it, one moment' });
    await atNode(admin, 'POST', `/v1/inbox/conversations/${conversationId}/trash`);
    await atNode(admin, 'POST', `/v1/inbox/conversations/${conversationId}/restore`);
    const erased = await atNode(admin, 'DELETE', `/v1/inbox/conversations/${conversationId}`);
    expect(await f.node.app.internals.heartbeat.beat()).toBe(true);

    const adminId = (await members()).find((m) => m.role === 'admin')?.id;
    const later = (await events()).slice(1);
    expect(later.map((e) => [e.action, e.actor_type, e.actor_id, e.target_id])).toEqual([
      ['inbox.conversation_trashed', 'user', adminId, conversationId],
      ['inbox.conversation_restored', 'user', adminId, conversationId],
      ['inbox.conversation_erased', 'user', adminId, conversationId],
    ]);
    expect(later[2].details).toEqual({ nodeId: f.nodeId, conversationId, messages: erased.messages });
    expect(JSON.stringify(later)).not.toContain('On it');
    const usage = await today();
    expect(usage.series[0]).toMatchObject({ handoffs: 1, humanReplies: 1 });
    expect(usage.totals).toMatchObject({ handoffs: 1, humanReplies: 1 });
  });

  it('an actor who is not a member is recorded as the system; beats without inbox counts (older nodes) add nothing', async () => {
    const id = (await lastNoticeId()) + 1;
    const stranger = randomUUID();
    const notice = {
      id,
      type: 'conversation_trashed',
      conversationId: randomUUID(),
      actorUserId: stranger,
      messages: null,
    };
    await signedBeat([{ ...notice, at: new Date().toISOString() }], { handoffs: 2, humanReplies: 3 }).expect(200);
    const last = (await events()).at(-1);
    expect(last).toMatchObject({ action: 'inbox.conversation_trashed', actor_type: 'system', actor_id: null });
    expect(JSON.stringify(last)).not.toContain(stranger);
    expect(await lastNoticeId()).toBe(id);
    expect((await today()).totals).toMatchObject({ handoffs: 3, humanReplies: 4 });
    await signedBeat([]).expect(200);
    expect((await today()).totals).toMatchObject({ handoffs: 3, humanReplies: 4 });
  });

  it('bad notices are refused (400) and change nothing', async () => {
    const before = { events: (await events()).length, last: await lastNoticeId(), usage: (await today()).totals };
    const base = { id: before.last + 1, conversationId: randomUUID(), actorUserId: null, messages: null, at: '' };
    for (const bad of [
      { ...base, type: 'conversation_read' },
      { ...base, type: 'handoff_requested', id: 0 },
      { ...base, type: 'handoff_requested', conversationId: 'x'.repeat(65) },
      { ...base, type: 'conversation_erased', messages: -1 },
      { ...base, type: 'handoff_requested', text: secretText },
    ])
      expect((await signedBeat([bad], { handoffs: 5 }).expect(400)).body.error.code).toBe('validation_failed');
    expect((await events()).length).toBe(before.events);
    expect(await lastNoticeId()).toBe(before.last);
    expect((await today()).totals).toEqual(before.usage);
  });
});
