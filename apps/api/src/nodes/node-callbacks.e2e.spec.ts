import { generateSigningKeyPair, signRequest } from '@enclave/node-protocol';
import { NodeEntity } from '@enclave/persistence';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AgentsWorkspace, startAgentsWorkspace } from '../../test/agents-workspace';

/** The node's signed calls into the control plane: heartbeats (counted once, only when genuine) and enrolment. */
describe('node callbacks', () => {
  let f: AgentsWorkspace;
  const http = () => f.h.api.http();

  beforeAll(async () => {
    f = await startAgentsWorkspace();
  });
  afterAll(() => f?.close());

  const path = () => `/api/v1/nodes/${f.nodeId}/heartbeats`;
  const nodeKey = () => readFileSync(join(f.node.dataDir, 'keys', 'node-identity.key.pem'), 'utf8');
  const beat = () =>
    JSON.stringify({
      protocolVersion: 1,
      nodeId: f.nodeId,
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
    const usage = await http().get(`${f.ws}/usage?days=1`).set('Cookie', f.owner.cookie).expect(200);
    return usage.body.totals.inbound as number;
  };

  it('accepts a correctly signed beat and adds its counts (upsert-add per day and channel)', async () => {
    const before = await telegramInbound();
    const body = beat();
    await post(
      body,
      signRequest({ method: 'POST', path: path(), body, privateKey: nodeKey(), nodeId: f.nodeId }),
    ).expect(200);
    const body2 = beat();
    await post(
      body2,
      signRequest({ method: 'POST', path: path(), body: body2, privateKey: nodeKey(), nodeId: f.nodeId }),
    ).expect(200);
    expect(await telegramInbound()).toBe(before + 10);
    const usage = await http().get(`${f.ws}/usage?days=1`).set('Cookie', f.memberCookie).expect(200);
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
      signRequest({ method: 'POST', path: path(), body, privateKey: other.privateKeyPem, nodeId: f.nodeId }),
    ).expect(401);
    expect(forged.body.error.code).toBe('bad_signature');
    const tampered = signRequest({ method: 'POST', path: path(), body, privateKey: nodeKey(), nodeId: f.nodeId });
    await post(body.replace('"inbound":5', '"inbound":500'), tampered).expect(401);
    const stale = await post(
      body,
      signRequest({
        method: 'POST',
        path: path(),
        body,
        privateKey: nodeKey(),
        nodeId: f.nodeId,
        now: new Date(Date.now() - 3600_000),
      }),
    ).expect(401);
    expect(stale.body.error.details.reason).toBe('stale_timestamp');
    const headers = signRequest({ method: 'POST', path: path(), body, privateKey: nodeKey(), nodeId: f.nodeId });
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
        nodeId: f.nodeId,
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
            nodeId: f.nodeId,
          }),
        })
        .send(body);
    };
    await enrol('x'.repeat(32)).expect(401);
    const stored = await f.h.api.dataSource.getRepository(NodeEntity).findOneByOrFail({ id: f.nodeId });
    expect(stored.publicKey).not.toBe(other.publicKeyPem);
  });

  it('refuses beats from a deprovisioned node', async () => {
    await f.h.api.dataSource
      .getRepository(NodeEntity)
      .update({ id: f.nodeId }, { status: 'wiped', wipedAt: new Date() });
    const before = await telegramInbound();
    const body = beat();
    const res = await post(
      body,
      signRequest({ method: 'POST', path: path(), body, privateKey: nodeKey(), nodeId: f.nodeId }),
    ).expect(410);
    expect(res.body.error.code).toBe('node_deprovisioned');
    expect(await f.node.app.internals.heartbeat.beat()).toBe(false);
    expect(await telegramInbound()).toBe(before);
  });
});
