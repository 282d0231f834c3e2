import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  PROTOCOL_HEADERS,
  signRequest,
  generateSigningKeyPair,
  type ErrorBody,
  type HealthResponse,
} from '@enclave/node-protocol';
import { createLogger } from './logging/logger';
import { configureNode, startNodeFixture, type ConfiguredChannels, type NodeFixture } from './testing/node-fixture';
import { ANTHROPIC_TEST_KEY, OPENAI_TEST_KEY, waitFor, jsonOf } from './testing/node-harness';

describe('control plane → node protocol', () => {
  let f: NodeFixture;
  let ch: ConfiguredChannels;
  const logLines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(chunk.toString('utf8'));
        cb();
      },
    });
    f = await startNodeFixture({}, { logger: createLogger('debug', sink) });
    ch = await configureNode(f);
  });
  afterAll(() => f.close());

  const revision = () => f.app.internals.settings.get('config.revision');
  const raw = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    fetch(`${f.nodeUrl}${path}`, {
      method,
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      body,
    });
  const cfg = { revision: 5, agents: [], channels: [] };

  it('refuses unsigned requests with 401 and changes nothing', async () => {
    const res = await raw('PUT', '/v1/config', {}, JSON.stringify(cfg));
    expect(res.status).toBe(401);
    expect(await jsonOf(res)).toEqual({
      error: {
        code: 'bad_signature',
        message: 'request refused: missing_headers',
        details: { reason: 'missing_headers' },
      },
    });
    expect(revision()).toBe('1');
  });

  it('refuses a replayed request', async () => {
    const body = JSON.stringify({ days: 30 });
    const headers = f.cp.sign('PUT', '/v1/retention', body);
    expect((await raw('PUT', '/v1/retention', headers, body)).status).toBe(200);
    const replay = await raw('PUT', '/v1/retention', headers, body);
    expect(replay.status).toBe(401);
    expect((await jsonOf<ErrorBody>(replay)).error).toMatchObject({
      code: 'replayed_request',
      details: { reason: 'replayed_nonce' },
    });
  });

  it('refuses requests signed by another key, stale ones, and ones whose body or path changed', async () => {
    const body = JSON.stringify(cfg);
    const intruder = generateSigningKeyPair();
    const cases: [Record<string, string>, string, string][] = [
      [
        signRequest({ method: 'PUT', path: '/v1/config', body, privateKey: intruder.privateKeyPem }),
        '/v1/config',
        body,
      ],
      [
        signRequest({
          method: 'PUT',
          path: '/v1/config',
          body,
          privateKey: f.cp.keys.privateKeyPem,
          now: new Date(Date.now() - 600_000),
        }),
        '/v1/config',
        body,
      ],
      [f.cp.sign('PUT', '/v1/config', JSON.stringify({ ...cfg, revision: 6 })), '/v1/config', body],
      [f.cp.sign('PUT', '/v1/retention', body), '/v1/config', body],
      [{ ...f.cp.sign('PUT', '/v1/config', body), [PROTOCOL_HEADERS.version]: '99' }, '/v1/config', body],
    ];
    for (const [headers, path, b] of cases) {
      const res = await raw('PUT', path, headers, b);
      expect(res.status).toBe(401);
    }
    expect(revision()).toBe('1');
  });

  it('answers bad input with 4xx JSON errors and changes nothing', async () => {
    const badJson = '{"revision":';
    const r1 = await raw('PUT', '/v1/config', f.cp.sign('PUT', '/v1/config', badJson), badJson);
    expect(r1.status).toBe(400);
    expect((await jsonOf<ErrorBody>(r1)).error.code).toBe('invalid_json');
    const r2 = await f.cp.call<ErrorBody>(f.nodeUrl, 'PUT', '/v1/config', {
      revision: 9,
      agents: [{ id: 'x' }],
      channels: [],
    });
    expect(r2.status).toBe(422);
    expect(r2.body.error).toMatchObject({ code: 'validation_failed', message: 'request body failed validation' });
    expect(Array.isArray(r2.body.error.details)).toBe(true);
    const r3 = await f.cp.call<ErrorBody>(f.nodeUrl, 'PUT', '/v1/config', { revision: 0, agents: [], channels: [] });
    expect(r3.status).toBe(409);
    expect(r3.body.error.code).toBe('stale_config');
    const r4 = await f.cp.call(f.nodeUrl, 'PUT', '/v1/secrets/ssh_key', { value: 'x' });
    expect(r4.status).toBe(404);
    const r5 = await f.cp.call(f.nodeUrl, 'PUT', '/v1/retention', { days: 0 });
    expect(r5.status).toBe(422);
    const r6 = await f.cp.call(f.nodeUrl, 'GET', '/v1/nothing-here');
    expect(r6.status).toBe(404);
    const r7 = await f.cp.call(f.nodeUrl, 'POST', '/v1/wipe', { confirmNodeId: 'some-other-node' });
    expect(r7.status).toBe(422);
    expect(revision()).toBe('1');
    expect(f.app.internals.retention.days()).toBe(30);
    expect(f.app.state()).toBe('active');
  });

  it('health reports checks; secrets are never returned and are encrypted at rest', async () => {
    const h = await f.cp.call<HealthResponse>(f.nodeUrl, 'GET', '/v1/health');
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({
      nodeId: 'node-test-1',
      state: 'active',
      configRevision: 1,
      checks: { database: { ok: true } },
    });
    expect(h.body.checks?.channels).toEqual(
      expect.arrayContaining([
        { channelId: 'tg-main', type: 'telegram', ok: true },
        { channelId: 'wa-main', type: 'whatsapp', ok: true },
      ]),
    );
    expect(h.body.checks?.providers).toEqual(
      expect.arrayContaining([
        { provider: 'openai', ok: true },
        { provider: 'anthropic', ok: true },
      ]),
    );
    const text = JSON.stringify(h.body);
    for (const secret of [
      OPENAI_TEST_KEY,
      ANTHROPIC_TEST_KEY,
      ch.telegramToken,
      ch.whatsapp.accessToken,
      ch.whatsapp.appSecret,
    ]) {
      expect(text).not.toContain(secret);
      const db =
        readFileSync(join(f.dataDir, 'node.sqlite')).toString('latin1') +
        readFileSync(join(f.dataDir, 'node.sqlite-wal')).toString('latin1');
      expect(db).not.toContain(secret);
    }
    expect(statSync(join(f.dataDir, 'keys', 'local.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(f.dataDir, 'keys', 'node-identity.key.pem')).mode & 0o777).toBe(0o600);
    expect((await f.cp.call(f.nodeUrl, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
  });

  it('deletes a secret on request', async () => {
    const r = await f.cp.call(f.nodeUrl, 'DELETE', '/v1/secrets/anthropic_api_key?scope=default');
    expect(r).toMatchObject({ status: 200, body: { kind: 'anthropic_api_key', scope: 'default', deleted: true } });
    expect(f.app.internals.secrets.resolve('anthropic_api_key')).toBeUndefined();
    await f.cp.call(f.nodeUrl, 'PUT', '/v1/secrets/anthropic_api_key', { value: ANTHROPIC_TEST_KEY });
  });

  it('enrols, then sends signed heartbeats with counters and no content; keeps counters while the control plane is down', async () => {
    const hb = f.app.internals.heartbeat;
    await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, {
      chatId: 4242,
      text: 'secret plans for Tuesday',
    });
    await waitFor(
      async () => (await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages.length === 1,
    );
    f.cp.available = false;
    expect(await hb.beat()).toBe(false);
    f.cp.available = true;
    expect(await hb.beat()).toBe(true);
    expect(f.cp.nodeKeys.get('node-test-1')).toBe(f.app.internals.keys.identityPublicKeyPem);
    const beat = f.cp.heartbeats[f.cp.heartbeats.length - 1];
    expect(beat.counters.channels.telegram).toEqual({ inbound: 1, outbound: 1, failures: 0 });
    expect(beat).toMatchObject({ nodeId: 'node-test-1', state: 'active', retention: { days: 30 } });
    expect(beat.lastActivityAt).not.toBeNull();
    expect(JSON.stringify(beat)).not.toMatch(/secret plans|Helper|You said|4242/);
    await f.sandboxJson('POST', `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/messages`, {
      from: '15550009999',
      text: 'x',
    });
    await waitFor(
      async () =>
        (await f.sandboxJson('GET', `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/sent`)).messages
          .length === 1,
    );
    expect(await hb.beat()).toBe(true);
    const next = f.cp.heartbeats[f.cp.heartbeats.length - 1];
    expect(next.counters.channels.telegram).toEqual({ inbound: 0, outbound: 0, failures: 0 });
    expect(next.counters.channels.whatsapp).toEqual({ inbound: 1, outbound: 1, failures: 0, windowClosed: 0 });
    expect(f.cp.rejected).toEqual([]);
  });

  it('suspend: webhooks still 200, messages stored but not answered; resume answers again', async () => {
    expect((await f.cp.call(f.nodeUrl, 'POST', '/v1/suspend')).body).toEqual({ state: 'suspended' });
    const sentCount = async () =>
      (await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages.length;
    const before = await sentCount();
    const r = await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, {
      chatId: 5151,
      text: 'anyone there?',
    });
    expect(r.delivery.status).toBe(200);
    await new Promise((res) => setTimeout(res, 300));
    expect(await sentCount()).toBe(before);
    expect(f.app.internals.conversations.findConversation('tg-main', '5151')).toBeDefined();
    expect((await f.cp.call(f.nodeUrl, 'POST', '/v1/resume')).body).toEqual({ state: 'active' });
    await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, {
      chatId: 5151,
      text: 'hello again',
    });
    await waitFor(async () => (await sentCount()) === before + 1);
    await new Promise((res) => setTimeout(res, 200));
    expect(await sentCount()).toBe(before + 1); // the message sent while suspended stays unanswered
  });

  it('never logs a secret or message text', () => {
    const all = logLines.join('');
    expect(all.length).toBeGreaterThan(0);
    for (const needle of [
      OPENAI_TEST_KEY,
      ANTHROPIC_TEST_KEY,
      ch.telegramToken,
      ch.whatsapp.accessToken,
      ch.whatsapp.appSecret,
      'secret plans',
      'anyone there',
      'You are a helpful',
    ]) {
      expect(all).not.toContain(needle);
    }
  });

  it('a channel removed from the config loses its webhook and its own secrets', async () => {
    const r = await f.cp.call(f.nodeUrl, 'PUT', '/v1/config', {
      revision: 7,
      agents: [
        {
          id: 'agent-openai',
          name: 'Helper',
          instructions: 'You are a helpful assistant.',
          provider: 'openai',
          model: 'gpt-4o-mini',
          enabled: true,
        },
      ],
      channels: [],
    });
    expect(r.status).toBe(200);
    expect((await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/webhook`)).webhook).toBeNull();
    expect(f.app.internals.secrets.resolve('telegram_bot_token', 'tg-main')).toBeUndefined();
    expect(f.app.internals.secrets.resolve('whatsapp_app_secret', 'wa-main')).toBeUndefined();
    expect(f.app.internals.secrets.resolve('openai_api_key')).toBe(OPENAI_TEST_KEY);
    const bad = await fetch(`${f.nodeUrl}/webhooks/telegram/%E0%A4%A`, { method: 'POST', body: '{}' });
    expect(bad.status).toBe(400);
  });
});
