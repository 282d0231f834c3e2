import { NodeEntity, PendingSecretDeliveryEntity, SecretRecordEntity } from '@enclave/persistence';
import type { INestApplicationContext } from '@nestjs/common';
import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import { randomBytes } from 'node:crypto';
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
import { alnum, auditActions } from '../../test/agents-workspace';
import { databaseDump, leaks, redisDump } from '../../test/leak-scan';

/** Distinctive values: every one of them must be absent from the control plane's database, Redis and logs. */
const SECRETS = {
  openai: `sk-scanopenai${alnum(28)}`,
  openaiRotated: `sk-scanopenaiR${alnum(28)}`,
  anthropic: `sk-ant-scananthropic${alnum(28)}`,
  telegram: `${700_000_000 + Math.floor(Math.random() * 99_999_999)}:AA${alnum(33)}`,
  telegramRotated: `${800_000_000 + Math.floor(Math.random() * 99_999_999)}:AA${alnum(33)}`,
  whatsappToken: `EAAscan${alnum(32)}`,
  whatsappTokenRotated: `EAAscanR${alnum(32)}`,
  whatsappAppSecret: randomBytes(16).toString('hex'),
};
const MESSAGES = {
  telegram: `Scan probe telegram ${alnum(16)} where is my parcel`,
  whatsapp: `Scan probe whatsapp ${alnum(16)} opening hours please`,
};

describe('secrets and content never reach the control plane (full flow with a real agent node)', () => {
  let h: AgentsHarness;
  let owner: Owner;
  let node: RunningNode;
  let worker: INestApplicationContext | undefined;
  let nodeId: string;
  let openaiAgentId: string;
  let anthropicAgentId: string;
  let telegramChannelId: string;
  let whatsappChannelId: string;
  const phoneNumberId = String(100_000_000_000_000 + Math.floor(Math.random() * 1e9));
  const replies: string[] = [];

  const http = () => h.api.http();
  const as = (req: ReturnType<ReturnType<typeof http>['get']>) => req.set('Cookie', owner.cookie);
  const ws = () => `/api/workspaces/${owner.workspaceId}`;
  const secrets = () => node.app.internals.secrets;

  beforeAll(async () => {
    h = await startAgentsHarness();
    owner = await ownerWithWorkspace(h.api, 'scan');
  });
  afterAll(async () => {
    await worker?.close();
    await node?.stop();
    await h?.close();
  });

  it('accepts an agent and a model key before the node exists: recorded masked, waiting encrypted, delivery job holds ids only', async () => {
    const agent = await as(http().post(`${ws()}/agents`))
      .send({ name: 'Support', instructions: 'Answer politely.', provider: 'openai', model: 'gpt-4o-mini' })
      .expect(201);
    expect(agent.body.delivery).toBe('pending');
    openaiAgentId = agent.body.agent.id;
    const key = await as(http().put(`${ws()}/secrets/openai_api_key`))
      .send({ value: SECRETS.openai })
      .expect(200);
    expect(key.body).toMatchObject({
      delivery: 'pending',
      secret: {
        kind: 'openai_api_key',
        scope: 'default',
        mask: `sk-…${SECRETS.openai.slice(-4)}`,
        status: 'pending',
        deliveredAt: null,
      },
    });
    expect(key.body.secret.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const pending = await h.api.dataSource.getRepository(PendingSecretDeliveryEntity).find();
    expect(pending).toHaveLength(1);
    expect(pending[0].sealed).toMatch(/^v1\./);
    expect(pending[0].expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(3600_000);
    const job = await h.api.app
      .get(QueueService)
      .queueOf(JobName.DeliverToNode)
      .getJob(JOB_IDS.deliverToNode(owner.workspaceId));
    expect(job?.data).toEqual({ workspaceId: owner.workspaceId });
  });

  it('delivers everything once the node enrols (the real worker runs the DeliverToNode job), then deletes the waiting copy', async () => {
    const record = await createNodeRecord(h.api, owner.workspaceId);
    nodeId = record.nodeId;
    node = await startAgentNode(h, record);
    expect(await node.app.internals.heartbeat.beat()).toBe(true); // enrols, then beats
    const enrolled = await h.api.dataSource.getRepository(NodeEntity).findOneByOrFail({ id: nodeId });
    expect(enrolled).toMatchObject({ status: 'healthy', publicBaseUrl: node.url, reportedState: 'active' });
    // The real worker (debug logs captured too) picks up the DeliverToNode job that waited in Redis.
    worker = await h.startWorker();
    await waitFor(() => secrets().resolve('openai_api_key', openaiAgentId) === SECRETS.openai, 15_000);
    await waitFor(() => node.app.internals.config.listAgents().length === 1);
    expect(node.app.internals.config.listAgents().map((a) => a.id)).toEqual([openaiAgentId]);
    await waitFor(async () => (await h.api.dataSource.getRepository(PendingSecretDeliveryEntity).count()) === 0);
    const list = await as(http().get(`${ws()}/secrets`)).expect(200);
    expect(list.body[0]).toMatchObject({ kind: 'openai_api_key', status: 'delivered' });
    expect(list.body[0].deliveredAt).not.toBeNull();
  });

  it('delivers at once when the node is ready: Anthropic key, Telegram and WhatsApp channels', async () => {
    const agent = await as(http().post(`${ws()}/agents`))
      .send({ name: 'Claude', instructions: 'Be kind.', provider: 'anthropic', model: 'claude-haiku-4-5' })
      .expect(201);
    expect(agent.body.delivery).toBe('delivered');
    anthropicAgentId = agent.body.agent.id;
    await as(http().put(`${ws()}/secrets/anthropic_api_key`))
      .send({ value: SECRETS.anthropic })
      .expect(200);
    expect(secrets().resolve('anthropic_api_key', anthropicAgentId)).toBe(SECRETS.anthropic);

    const telegram = await as(http().post(`${ws()}/channels`))
      .send({ type: 'telegram', agentId: openaiAgentId, botToken: SECRETS.telegram })
      .expect(201);
    expect(telegram.body).toMatchObject({
      delivery: 'delivered',
      channel: { type: 'telegram', telegram: { botId: SECRETS.telegram.split(':')[0] } },
    });
    telegramChannelId = telegram.body.channel.id;
    expect(secrets().resolve('telegram_bot_token', telegramChannelId)).toBe(SECRETS.telegram);
    const hook = await h.providersJson('GET', `/telegram/_test/bots/${SECRETS.telegram}/webhook`);
    expect(hook.webhook.url).toBe(`${node.url}/webhooks/telegram/${telegramChannelId}`);

    await h.providersJson('POST', '/whatsapp/_test/phone-numbers', {
      phoneNumberId,
      appSecret: SECRETS.whatsappAppSecret,
    });
    const whatsapp = await as(http().post(`${ws()}/channels`))
      .send({
        type: 'whatsapp',
        agentId: anthropicAgentId,
        phoneNumberId,
        accessToken: SECRETS.whatsappToken,
        appSecret: SECRETS.whatsappAppSecret,
      })
      .expect(201);
    whatsappChannelId = whatsapp.body.channel.id;
    expect(whatsapp.body.channel.whatsapp).toMatchObject({ phoneNumberId, displayPhoneNumber: '15550001234' });
    expect(secrets().resolve('whatsapp_access_token', whatsappChannelId)).toBe(SECRETS.whatsappToken);
    expect(secrets().resolve('whatsapp_app_secret', whatsappChannelId)).toBe(SECRETS.whatsappAppSecret);
    // The customer pastes the node's callback URL and our verify token into Meta's dashboard; Meta verifies it.
    const registered = await h.providersJson('POST', '/whatsapp/_test/phone-numbers', {
      phoneNumberId,
      appSecret: SECRETS.whatsappAppSecret,
      verifyToken: whatsapp.body.channel.whatsapp.verifyToken,
      webhookUrl: `${node.url}${whatsapp.body.channel.webhookPath}`,
    });
    expect(registered.webhookVerified).toBe(true);
    const records = await h.api.dataSource.getRepository(SecretRecordEntity).find();
    expect(records.map((r) => [r.kind, r.status]).sort()).toEqual(
      [
        ['anthropic_api_key', 'delivered'],
        ['openai_api_key', 'delivered'],
        ['telegram_bot_token', 'delivered'],
        ['whatsapp_access_token', 'delivered'],
        ['whatsapp_app_secret', 'delivered'],
      ].sort(),
    );
  });

  it('end users talk to the agents through the node; the heartbeat brings counts only', async () => {
    await h.providersJson('POST', `/telegram/_test/bots/${SECRETS.telegram}/updates`, {
      chatId: 4242,
      text: MESSAGES.telegram,
    });
    const sent = await waitFor(async () => {
      const r = await h.providersJson('GET', `/telegram/_test/bots/${SECRETS.telegram}/sent`);
      return r.messages.length === 1 ? (r.messages as Array<{ text: string }>) : undefined;
    });
    expect(sent[0].text).toContain(MESSAGES.telegram);
    replies.push(sent[0].text);
    await h.providersJson('POST', `/whatsapp/_test/phone-numbers/${phoneNumberId}/messages`, {
      from: '15557654321',
      text: MESSAGES.whatsapp,
    });
    const waSent = await waitFor(async () => {
      const r = await h.providersJson('GET', `/whatsapp/_test/phone-numbers/${phoneNumberId}/sent`);
      return r.messages.length === 1 ? (r.messages as Array<{ text: string }>) : undefined;
    });
    expect(waSent[0].text).toContain(MESSAGES.whatsapp);
    replies.push(waSent[0].text);

    expect(await node.app.internals.heartbeat.beat()).toBe(true);
    const usage = await as(http().get(`${ws()}/usage?days=7`)).expect(200);
    expect(usage.body.series).toHaveLength(7);
    const today = usage.body.series[6];
    expect(today.telegram).toEqual({ inbound: 1, outbound: 1, failures: 0 });
    expect(today.whatsapp).toEqual({ inbound: 1, outbound: 1, failures: 0 });
    expect(usage.body.totals).toMatchObject({ inbound: 2, outbound: 2 });
    const health = await as(http().get(`${ws()}/node-health`)).expect(200);
    expect(health.body.node).toMatchObject({ id: nodeId, status: 'healthy', reportedState: 'active' });
  });

  it('rotates: the node gets the new credentials, the records their new mask and fingerprint', async () => {
    const before = await as(http().get(`${ws()}/secrets`)).expect(200);
    const rotated = await as(http().put(`${ws()}/secrets/openai_api_key`))
      .send({ value: SECRETS.openaiRotated })
      .expect(200);
    expect(rotated.body.secret.rotatedAt).not.toBeNull();
    expect(rotated.body.secret.fingerprint).not.toBe(
      before.body.find((s: { kind: string }) => s.kind === 'openai_api_key').fingerprint,
    );
    expect(secrets().resolve('openai_api_key', openaiAgentId)).toBe(SECRETS.openaiRotated);

    await as(http().put(`${ws()}/channels/${telegramChannelId}/credentials`))
      .send({ botToken: SECRETS.telegramRotated })
      .expect(200);
    expect(secrets().resolve('telegram_bot_token', telegramChannelId)).toBe(SECRETS.telegramRotated);
    await as(http().put(`${ws()}/channels/${whatsappChannelId}/credentials`))
      .send({ accessToken: SECRETS.whatsappTokenRotated })
      .expect(200);
    expect(secrets().resolve('whatsapp_access_token', whatsappChannelId)).toBe(SECRETS.whatsappTokenRotated);
    expect(await h.api.dataSource.getRepository(SecretRecordEntity).count()).toBe(5); // replaced, nothing accumulates
  });

  it('removal tells the node to forget', async () => {
    await as(http().delete(`${ws()}/secrets/anthropic_api_key`)).expect(204);
    expect(secrets().resolve('anthropic_api_key', anthropicAgentId)).toBeUndefined();
    await as(http().delete(`${ws()}/channels/${whatsappChannelId}`)).expect(200);
    expect(secrets().resolve('whatsapp_access_token', whatsappChannelId)).toBeUndefined();
    expect(secrets().resolve('whatsapp_app_secret', whatsappChannelId)).toBeUndefined();
    expect(node.app.internals.config.listChannels().map((c) => c.id)).toEqual([telegramChannelId]);
    const kinds = (await h.api.dataSource.getRepository(SecretRecordEntity).find()).map((r) => r.kind).sort();
    expect(kinds).toEqual(['openai_api_key', 'telegram_bot_token']);
    const actions = await auditActions(h.api, owner.workspaceId);
    expect(actions).toEqual(
      expect.arrayContaining([
        'agent.created',
        'secret.stored',
        'secret.delivered',
        'secret.rotated',
        'secret.removed',
        'channel.created',
        'channel.deleted',
        'node.enrolled',
        'node.config_applied',
      ]),
    );
  });

  it('SCAN: no secret and no message text in pg_dump, Redis (BullMQ jobs included) or the API logs — raw, base64 or hex', async () => {
    // Leave a DeliverToNode job waiting in Redis (worker stopped, node down) so a job hash with its payload is scanned too.
    await worker?.close();
    worker = undefined;
    await node.halt();
    await as(http().put(`${ws()}/retention`))
      .send({ days: 60 })
      .expect(200, { days: 60, delivery: 'pending' });

    const dump = await databaseDump(h.api);
    expect(dump).toContain('secret_records'); // the dump is real and has our tables
    expect(dump).toContain(SECRETS.openaiRotated.slice(-4)); // masks are there, on purpose

    const { text: redisText, keys } = await redisDump(h.api);
    expect(keys).toBeGreaterThan(0);
    expect(redisText).toContain(`${JOB_ID_PREFIX}${owner.workspaceId}`); // the waiting DeliverToNode job hash was scanned
    expect(redisText).toContain(JSON.stringify(JSON.stringify({ workspaceId: owner.workspaceId })).slice(1, -1)); // …with its payload: the id only

    const logs = h.logs.join('');
    expect(logs.length).toBeGreaterThan(1000); // debug logs were captured

    // Positive controls: the scanner sees what is legitimately there.
    expect(dump).toContain(phoneNumberId);
    expect(redisText).toContain(owner.workspaceId);
    expect(logs).toContain(`/api/workspaces/${owner.workspaceId}/secrets`);

    const needles = [...Object.values(SECRETS), ...Object.values(MESSAGES), ...replies];
    expect(leaks(needles, { pg_dump: dump, redis: redisText, logs })).toEqual([]);
  });
});

const JOB_ID_PREFIX = 'deliver-node.';
