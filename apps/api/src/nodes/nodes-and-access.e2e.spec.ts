import { NODE_DELIVERY, type NodeDelivery } from '@enclave/node-delivery';
import { generateSigningKeyPair, signRequest } from '@enclave/node-protocol';
import { ChannelEntity, NodeEntity, PendingSecretDeliveryEntity, SecretRecordEntity } from '@enclave/persistence';
import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createNodeRecord,
  type AgentsHarness,
  ownerWithWorkspace,
  type Owner,
  type RunningNode,
  startAgentNode,
  startAgentsHarness,
  waitFor,
} from '../../test/agent-node-harness';
import { signInByEmail } from '../../test/sign-in';
import { createWorker } from '../../../worker/src/bootstrap';

const alnum = (n: number) =>
  randomBytes(n * 2)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, n);
const telegramToken = () => `${600_000_000 + Math.floor(Math.random() * 99_999_999)}:AA${alnum(33)}`;

describe('agents, channels and secrets: access, refused credentials, node callbacks', () => {
  let h: AgentsHarness;
  let owner: Owner;
  let outsider: Owner;
  let memberCookie: string;
  let adminCookie: string;
  let node: RunningNode;
  let nodeId: string;
  let agentId: string;
  let channelId: string;

  const http = () => h.api.http();
  const ws = () => `/api/workspaces/${owner.workspaceId}`;

  beforeAll(async () => {
    h = await startAgentsHarness();
    owner = await ownerWithWorkspace(h.api, 'acl');
    outsider = await ownerWithWorkspace(h.api, 'other');
    const memberEmail = `member-${alnum(6)}@example.com`.toLowerCase();
    const adminEmail = `admin-${alnum(6)}@example.com`.toLowerCase();
    memberCookie = await signInByEmail(h.api, memberEmail);
    adminCookie = await signInByEmail(h.api, adminEmail);
    await http()
      .post(`${ws()}/members`)
      .set('Cookie', owner.cookie)
      .send({ email: memberEmail, role: 'member' })
      .expect(201);
    await http()
      .post(`${ws()}/members`)
      .set('Cookie', owner.cookie)
      .send({ email: adminEmail, role: 'admin' })
      .expect(201);
    const record = await createNodeRecord(h.api, owner.workspaceId);
    nodeId = record.nodeId;
    node = await startAgentNode(h, record);
    expect(await node.app.internals.heartbeat.beat()).toBe(true);
    const agent = await http()
      .post(`${ws()}/agents`)
      .set('Cookie', adminCookie)
      .send({ name: 'Helper', provider: 'openai', model: 'gpt-4o-mini' })
      .expect(201);
    agentId = agent.body.agent.id;
    const channel = await http()
      .post(`${ws()}/channels`)
      .set('Cookie', adminCookie)
      .send({ type: 'telegram', agentId, botToken: telegramToken() })
      .expect(201);
    channelId = channel.body.channel.id;
  });
  afterAll(async () => {
    await node?.stop();
    await h?.close();
  });

  describe('scoping', () => {
    type Route = { method: 'get' | 'post' | 'put' | 'patch' | 'delete'; path: () => string; body?: () => object };
    const reads: Route[] = [
      { method: 'get', path: () => `${ws()}/agents` },
      { method: 'get', path: () => `${ws()}/agents/${agentId}` },
      { method: 'get', path: () => `${ws()}/channels` },
      { method: 'get', path: () => `${ws()}/channels/${channelId}` },
      { method: 'get', path: () => `${ws()}/secrets` },
      { method: 'get', path: () => `${ws()}/usage?days=30` },
      { method: 'get', path: () => `${ws()}/node-health` },
      { method: 'get', path: () => `${ws()}/exports` },
    ];
    const configure: Route[] = [
      {
        method: 'post',
        path: () => `${ws()}/agents`,
        body: () => ({ name: 'X', provider: 'openai', model: 'gpt-4o-mini' }),
      },
      { method: 'patch', path: () => `${ws()}/agents/${agentId}`, body: () => ({ enabled: false }) },
      {
        method: 'post',
        path: () => `${ws()}/channels`,
        body: () => ({ type: 'telegram', agentId, botToken: telegramToken() }),
      },
      { method: 'patch', path: () => `${ws()}/channels/${channelId}`, body: () => ({ enabled: false }) },
      {
        method: 'put',
        path: () => `${ws()}/channels/${channelId}/credentials`,
        body: () => ({ botToken: telegramToken() }),
      },
      { method: 'put', path: () => `${ws()}/secrets/openai_api_key`, body: () => ({ value: `sk-acl${alnum(30)}` }) },
      { method: 'put', path: () => `${ws()}/retention`, body: () => ({ days: 90 }) },
    ];
    const deletes: Route[] = [
      { method: 'delete', path: () => `${ws()}/agents/${agentId}` },
      { method: 'delete', path: () => `${ws()}/channels/${channelId}` },
      { method: 'delete', path: () => `${ws()}/secrets/openai_api_key` },
      { method: 'post', path: () => `${ws()}/conversations/some-conversation/erase`, body: () => ({}) },
    ];
    const call = (route: Route, cookie: string) => {
      const req = http()[route.method](route.path()).set('Cookie', cookie);
      return route.body ? req.send(route.body()) : req;
    };

    it('a member of another workspace gets 404 on every route, and nothing changes', async () => {
      const before = await h.api.dataSource.query(
        'SELECT count(*)::int AS n FROM audit_events WHERE workspace_id = $1',
        [owner.workspaceId],
      );
      for (const route of [
        ...reads,
        ...configure,
        ...deletes,
        { method: 'post', path: () => `${ws()}/exports`, body: () => ({}) } as Route,
      ]) {
        const res = await call(route, outsider.cookie);
        expect({ route: `${route.method} ${route.path()}`, status: res.status, code: res.body.error?.code }).toEqual({
          route: `${route.method} ${route.path()}`,
          status: 404,
          code: 'workspace_not_found',
        });
      }
      expect(
        await h.api.dataSource.query('SELECT count(*)::int AS n FROM audit_events WHERE workspace_id = $1', [
          owner.workspaceId,
        ]),
      ).toEqual(before);
    });

    it('a plain member reads but gets 403 on configuration; an admin gets 403 on deletion', async () => {
      for (const route of reads) await call(route, memberCookie).expect(200);
      for (const route of [...configure, ...deletes]) {
        const res = await call(route, memberCookie);
        expect({ route: `${route.method} ${route.path()}`, status: res.status }).toEqual({
          route: `${route.method} ${route.path()}`,
          status: 403,
        });
      }
      for (const route of deletes) {
        const res = await call(route, adminCookie);
        expect({ route: `${route.method} ${route.path()}`, status: res.status }).toEqual({
          route: `${route.method} ${route.path()}`,
          status: 403,
        });
      }
    });

    it('validates input: instructions over 8,000 characters, unknown fields, bad kinds', async () => {
      await http()
        .post(`${ws()}/agents`)
        .set('Cookie', adminCookie)
        .send({ name: 'Long', provider: 'openai', model: 'gpt-4o-mini', instructions: 'x'.repeat(8001) })
        .expect(400);
      await http()
        .post(`${ws()}/agents`)
        .set('Cookie', adminCookie)
        .send({ name: 'Ok', provider: 'openai', model: 'gpt-4o-mini', instructions: 'x'.repeat(8000) })
        .expect(201);
      await http()
        .post(`${ws()}/agents`)
        .set('Cookie', adminCookie)
        .send({ name: 'X', provider: 'mistral', model: 'm' })
        .expect(400);
      await http()
        .post(`${ws()}/agents`)
        .set('Cookie', adminCookie)
        .send({ name: 'X', provider: 'openai', model: 'gpt-4o-mini', apiKey: 'nope' })
        .expect(400);
      const kind = await http()
        .put(`${ws()}/secrets/telegram_bot_token`)
        .set('Cookie', adminCookie)
        .send({ value: telegramToken() })
        .expect(400);
      expect(kind.body.error.code).toBe('invalid_secret_kind');
    });
  });

  describe('agents and channels on the node', () => {
    it('pushes agent changes as new config revisions; refuses deleting an agent in use; ids of another workspace are 404', async () => {
      await http()
        .patch(`${ws()}/agents/${agentId}`)
        .set('Cookie', adminCookie)
        .send({ model: 'gpt-4o', instructions: 'Be brief.' })
        .expect(200);
      const applied = node.app.internals.config.listAgents().find((a) => a.id === agentId);
      expect(applied).toMatchObject({ model: 'gpt-4o', instructions: 'Be brief.' });
      const conflict = await http().delete(`${ws()}/agents/${agentId}`).set('Cookie', owner.cookie).expect(409);
      expect(conflict.body.error.code).toBe('agent_in_use');
      // The outsider's own workspace, with this workspace's agent and channel ids: not found there.
      await http()
        .get(`/api/workspaces/${outsider.workspaceId}/agents/${agentId}`)
        .set('Cookie', outsider.cookie)
        .expect(404);
      await http()
        .patch(`/api/workspaces/${outsider.workspaceId}/channels/${channelId}`)
        .set('Cookie', outsider.cookie)
        .send({ enabled: false })
        .expect(404);
      await http()
        .post(`/api/workspaces/${outsider.workspaceId}/channels`)
        .set('Cookie', outsider.cookie)
        .send({ type: 'telegram', agentId, botToken: telegramToken() })
        .expect(400);
    });

    it('a node that is down gets the change later: pending, then delivered', async () => {
      await node.halt();
      const key = `sk-downtime${alnum(30)}`;
      const res = await http()
        .put(`${ws()}/secrets/openai_api_key`)
        .set('Cookie', adminCookie)
        .send({ value: key })
        .expect(200);
      expect(res.body).toMatchObject({ delivery: 'pending', secret: { status: 'pending' } });
      await node.restart();
      expect(node.app.internals.secrets.resolve('openai_api_key')).toBeUndefined();
      await expect(h.api.app.get<NodeDelivery>(NODE_DELIVERY).deliver(owner.workspaceId)).resolves.toMatchObject({
        complete: true,
        secretsDelivered: 1,
      });
      expect(node.app.internals.secrets.resolve('openai_api_key')).toBe(key);
      expect(
        await h.api.dataSource.getRepository(PendingSecretDeliveryEntity).countBy({ workspaceId: owner.workspaceId }),
      ).toBe(0);
    });
  });

  describe('refused credentials: clear 4xx, nothing stored, nothing delivered', () => {
    const snapshot = async () => ({
      records: await h.api.dataSource.getRepository(SecretRecordEntity).find({ order: { id: 'ASC' } }),
      pending: await h.api.dataSource.getRepository(PendingSecretDeliveryEntity).count(),
      channels: await h.api.dataSource.getRepository(ChannelEntity).count(),
      nodeSecrets: node.app.internals.secrets.count(),
    });

    it.each([
      ['OpenAI key (revoked)', 'openai'],
      ['Anthropic key (revoked)', 'anthropic'],
    ])('%s', async (_name, provider) => {
      const key = provider === 'openai' ? `sk-revoked${alnum(30)}` : `sk-ant-revoked${alnum(30)}`;
      await h.providersJson('POST', `/${provider}/_test/keys/revoke`, { key });
      const before = await snapshot();
      const res = await http()
        .put(`${ws()}/secrets/${provider}_api_key`)
        .set('Cookie', adminCookie)
        .send({ value: key })
        .expect(400);
      expect(res.body.error).toMatchObject({ code: 'credential_refused', details: { field: 'value', provider } });
      expect(await snapshot()).toEqual(before);
      const refusals = (await h.api.dataSource.query(
        `SELECT outcome, details FROM audit_events WHERE action = 'secret.refused' AND workspace_id = $1`,
        [owner.workspaceId],
      )) as Array<{ outcome: string; details: unknown }>;
      expect(refusals).toContainEqual({ outcome: 'failure', details: { field: 'value', provider } });
      expect(JSON.stringify(refusals)).not.toContain(key);
    });

    it('Telegram bot token (revoked: getMe 401)', async () => {
      const token = telegramToken();
      await h.providersJson('POST', `/telegram/_test/bots/${token}/revoke`);
      const before = await snapshot();
      const res = await http()
        .post(`${ws()}/channels`)
        .set('Cookie', adminCookie)
        .send({ type: 'telegram', agentId, botToken: token })
        .expect(400);
      expect(res.body.error).toMatchObject({
        code: 'credential_refused',
        details: { field: 'botToken', provider: 'telegram' },
      });
      const rotate = await http()
        .put(`${ws()}/channels/${channelId}/credentials`)
        .set('Cookie', adminCookie)
        .send({ botToken: token })
        .expect(400);
      expect(rotate.body.error.code).toBe('credential_refused');
      expect(await snapshot()).toEqual(before);
    });

    it('WhatsApp access token (revoked) and unknown phone number id', async () => {
      const phoneNumberId = String(100_000_000_000_000 + Math.floor(Math.random() * 1e9));
      await h.providersJson('POST', '/whatsapp/_test/phone-numbers', {
        phoneNumberId,
        appSecret: randomBytes(16).toString('hex'),
      });
      const revoked = `EAArevoked${alnum(30)}`;
      await h.providersJson('POST', '/whatsapp/_test/tokens/revoke', { token: revoked });
      const before = await snapshot();
      const body = {
        type: 'whatsapp',
        agentId,
        phoneNumberId,
        accessToken: revoked,
        appSecret: randomBytes(16).toString('hex'),
      };
      const bad = await http().post(`${ws()}/channels`).set('Cookie', adminCookie).send(body).expect(400);
      expect(bad.body.error).toMatchObject({
        code: 'credential_refused',
        details: { field: 'accessToken', provider: 'whatsapp' },
      });
      const unknown = await http()
        .post(`${ws()}/channels`)
        .set('Cookie', adminCookie)
        .send({ ...body, accessToken: `EAAgood${alnum(30)}`, phoneNumberId: '999999999999' })
        .expect(400);
      expect(unknown.body.error).toMatchObject({ code: 'credential_refused', details: { field: 'phoneNumberId' } });
      const secret = await http()
        .post(`${ws()}/channels`)
        .set('Cookie', adminCookie)
        .send({ ...body, accessToken: `EAAgood${alnum(30)}`, appSecret: 'bad secret!' })
        .expect(400);
      expect(secret.body.error).toMatchObject({ code: 'credential_refused', details: { field: 'appSecret' } });
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('node callbacks', () => {
    const path = () => `/api/v1/nodes/${nodeId}/heartbeats`;
    const nodeKey = () => readFileSync(join(node.dataDir, 'keys', 'node-identity.key.pem'), 'utf8');
    const beat = () =>
      JSON.stringify({
        protocolVersion: 1,
        nodeId,
        version: '0.1.0',
        state: 'active',
        sentAt: new Date().toISOString(),
        uptimeSeconds: 5,
        configRevision: 1,
        checks: { database: { ok: true }, channels: [], providers: [] },
        counters: {
          since: null,
          channels: {
            telegram: { inbound: 5, outbound: 5, failures: 0 },
            whatsapp: { inbound: 0, outbound: 0, failures: 0 },
          },
          providerErrors: 1,
          fallbackReplies: 1,
        },
        activeChannelIds: [],
        lastActivityAt: null,
        retention: { days: 365, lastPurgeAt: null, purgedMessages: 0, purgedConversations: 0 },
      });
    const post = (body: string, headers: Record<string, string>) =>
      http()
        .post(path())
        .set({ 'content-type': 'application/json', ...headers })
        .send(body);
    const telegramInbound = async () => {
      const usage = await http().get(`${ws()}/usage?days=1`).set('Cookie', owner.cookie).expect(200);
      return usage.body.totals.inbound as number;
    };

    it('accepts a correctly signed beat and adds its counts (upsert-add per day and channel)', async () => {
      const before = await telegramInbound();
      const body = beat();
      await post(body, signRequest({ method: 'POST', path: path(), body, privateKey: nodeKey(), nodeId })).expect(200);
      const body2 = beat();
      await post(
        body2,
        signRequest({ method: 'POST', path: path(), body: body2, privateKey: nodeKey(), nodeId }),
      ).expect(200);
      expect(await telegramInbound()).toBe(before + 10);
      const usage = await http().get(`${ws()}/usage?days=1`).set('Cookie', memberCookie).expect(200);
      expect(usage.body.series[0]).toMatchObject({ providerErrors: 2, fallbackReplies: 2 });
    });

    it('refuses unsigned, wrongly signed, replayed, mismatched and unknown-node beats; nothing is counted', async () => {
      const before = await telegramInbound();
      const body = beat();
      const unsigned = await post(body, {}).expect(401);
      expect(unsigned.body.error.code).toBe('bad_signature');
      const other = generateSigningKeyPair();
      const forged = await post(
        body,
        signRequest({ method: 'POST', path: path(), body, privateKey: other.privateKeyPem, nodeId }),
      ).expect(401);
      expect(forged.body.error.code).toBe('bad_signature');
      const tampered = signRequest({ method: 'POST', path: path(), body, privateKey: nodeKey(), nodeId });
      await post(body.replace('"inbound":5', '"inbound":500'), tampered).expect(401);
      const stale = await post(
        body,
        signRequest({
          method: 'POST',
          path: path(),
          body,
          privateKey: nodeKey(),
          nodeId,
          now: new Date(Date.now() - 3600_000),
        }),
      ).expect(401);
      expect(stale.body.error.details.reason).toBe('stale_timestamp');
      const headers = signRequest({ method: 'POST', path: path(), body, privateKey: nodeKey(), nodeId });
      await post(body, headers).expect(200);
      const replay = await post(body, headers).expect(401);
      expect(replay.body.error.code).toBe('replayed_request');
      const unknownId = '00000000-0000-4000-8000-000000000000';
      const unknownPath = `/api/v1/nodes/${unknownId}/heartbeats`;
      await http()
        .post(unknownPath)
        .set({
          'content-type': 'application/json',
          ...signRequest({ method: 'POST', path: unknownPath, body, privateKey: nodeKey(), nodeId: unknownId }),
        })
        .send(body)
        .expect(401);
      expect(await telegramInbound()).toBe(before + 5); // only the one good beat
    });

    it('refuses a second enrolment with another key or a wrong token', async () => {
      const other = generateSigningKeyPair();
      const enrol = (token: string) => {
        const body = JSON.stringify({
          protocolVersion: 1,
          nodeId,
          enrolmentToken: token,
          publicKey: other.publicKeyPem,
          version: '0.1.0',
          publicBaseUrl: 'http://127.0.0.1:1',
        });
        return http()
          .post('/api/v1/nodes/enrol')
          .set({
            'content-type': 'application/json',
            ...signRequest({
              method: 'POST',
              path: '/api/v1/nodes/enrol',
              body,
              privateKey: other.privateKeyPem,
              nodeId,
            }),
          })
          .send(body);
      };
      await enrol('x'.repeat(32)).expect(401);
      const stored = await h.api.dataSource.getRepository(NodeEntity).findOneByOrFail({ id: nodeId });
      expect(stored.publicKey).not.toBe(other.publicKeyPem);
    });

    it('refuses beats from a deprovisioned node', async () => {
      await h.api.dataSource.getRepository(NodeEntity).update({ id: nodeId }, { status: 'wiped', wipedAt: new Date() });
      const before = await telegramInbound();
      const body = beat();
      const res = await post(
        body,
        signRequest({ method: 'POST', path: path(), body, privateKey: nodeKey(), nodeId }),
      ).expect(410);
      expect(res.body.error.code).toBe('node_deprovisioned');
      expect(await node.app.internals.heartbeat.beat()).toBe(false);
      expect(await telegramInbound()).toBe(before);
    });
  });

  describe('secrets waiting for a node', () => {
    it('wait encrypted with a TTL ≤ 1 hour and are destroyed by the sweep when no node came', async () => {
      const other = outsider; // a workspace without a node
      const key = `sk-waiting${alnum(30)}`;
      const res = await http()
        .put(`/api/workspaces/${other.workspaceId}/secrets/openai_api_key`)
        .set('Cookie', other.cookie)
        .send({ value: key })
        .expect(200);
      expect(res.body.delivery).toBe('pending');
      const job = await h.api.app
        .get(QueueService)
        .queueOf(JobName.DeliverToNode)
        .getJob(JOB_IDS.deliverToNode(other.workspaceId));
      expect(job?.data).toEqual({ workspaceId: other.workspaceId });
      const pending = await h.api.dataSource
        .getRepository(PendingSecretDeliveryEntity)
        .findOneByOrFail({ workspaceId: other.workspaceId });
      expect(pending.sealed).not.toContain(key);
      expect(pending.expiresAt.getTime() - pending.createdAt.getTime()).toBeLessThanOrEqual(3600_000);
      const delivery = h.api.app.get<NodeDelivery>(NODE_DELIVERY);
      expect(await delivery.sweepExpired(new Date())).toBe(0);
      expect(await delivery.sweepExpired(new Date(Date.now() + 3600_000 + 1000))).toBe(1);
      expect(
        await h.api.dataSource.getRepository(PendingSecretDeliveryEntity).countBy({ workspaceId: other.workspaceId }),
      ).toBe(0);
      const list = await http()
        .get(`/api/workspaces/${other.workspaceId}/secrets`)
        .set('Cookie', other.cookie)
        .expect(200);
      expect(list.body).toEqual([
        expect.objectContaining({ kind: 'openai_api_key', status: 'expired', deliveredAt: null }),
      ]);
    });
  });

  describe('the worker', () => {
    it('delivers a secret that waited for its node once the node enrolled (BullMQ DeliverToNode job, real worker)', async () => {
      const late = await ownerWithWorkspace(h.api, 'late');
      const record = await createNodeRecord(h.api, late.workspaceId);
      const key = `sk-ant-late${alnum(30)}`;
      const agent = await http()
        .post(`/api/workspaces/${late.workspaceId}/agents`)
        .set('Cookie', late.cookie)
        .send({ name: 'Late', provider: 'anthropic', model: 'claude-haiku-4-5' })
        .expect(201);
      expect(
        (
          await http()
            .put(`/api/workspaces/${late.workspaceId}/secrets/anthropic_api_key`)
            .set('Cookie', late.cookie)
            .send({ value: key })
            .expect(200)
        ).body.delivery,
      ).toBe('pending');
      const lateNode = await startAgentNode(h, record);
      const worker = await createWorker({ ...h.api.env, LOG_LEVEL: 'silent' });
      try {
        expect(await lateNode.app.internals.heartbeat.beat()).toBe(true); // enrols: the waiting job can now succeed
        await worker.init();
        await waitFor(
          () => lateNode.app.internals.secrets.resolve('anthropic_api_key', agent.body.agent.id) === key,
          15_000,
        );
        await waitFor(
          async () =>
            (await h.api.dataSource
              .getRepository(PendingSecretDeliveryEntity)
              .countBy({ workspaceId: late.workspaceId })) === 0,
        );
        // Secrets go first, then the config: wait for both.
        await waitFor(() => lateNode.app.internals.config.listAgents().length === 1);
        expect(lateNode.app.internals.config.listAgents().map((a) => a.id)).toEqual([agent.body.agent.id]);
        const records = await http()
          .get(`/api/workspaces/${late.workspaceId}/secrets`)
          .set('Cookie', late.cookie)
          .expect(200);
        expect(records.body).toEqual([expect.objectContaining({ kind: 'anthropic_api_key', status: 'delivered' })]);
      } finally {
        await worker.close();
        await lateNode.stop();
      }
    });
  });
});
