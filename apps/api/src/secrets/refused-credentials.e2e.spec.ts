import { ChannelEntity, PendingSecretDeliveryEntity, SecretRecordEntity } from '@enclave/persistence';
import { randomBytes } from 'node:crypto';
import { type AgentsWorkspace, alnum, startAgentsWorkspace, telegramToken } from '../../test/agents-workspace';

describe('refused credentials: clear 4xx, nothing stored, nothing delivered', () => {
  let f: AgentsWorkspace;
  const http = () => f.h.api.http();

  beforeAll(async () => {
    f = await startAgentsWorkspace();
  });
  afterAll(() => f?.close());

  const snapshot = async () => ({
    records: await f.h.api.dataSource.getRepository(SecretRecordEntity).find({ order: { id: 'ASC' } }),
    pending: await f.h.api.dataSource.getRepository(PendingSecretDeliveryEntity).count(),
    channels: await f.h.api.dataSource.getRepository(ChannelEntity).count(),
    nodeSecrets: f.node.app.internals.secrets.count(),
  });

  it.each([
    ['OpenAI key (revoked)', 'openai'],
    ['Anthropic key (revoked)', 'anthropic'],
  ])('%s', async (_name, provider) => {
    const key = provider === 'openai' ? `sk-revoked${alnum(30)}` : `sk-ant-revoked${alnum(30)}`;
    await f.h.providersJson('POST', `/${provider}/_test/keys/revoke`, { key });
    const before = await snapshot();
    const res = await http()
      .put(`${f.ws}/secrets/${provider}_api_key`)
      .set('Cookie', f.adminCookie)
      .send({ value: key })
      .expect(400);
    expect(res.body.error).toMatchObject({ code: 'credential_refused', details: { field: 'value', provider } });
    expect(await snapshot()).toEqual(before);
    const refusals = (await f.h.api.dataSource.query(
      `SELECT outcome, details FROM audit_events WHERE action = 'secret.refused' AND workspace_id = $1`,
      [f.owner.workspaceId],
    )) as Array<{ outcome: string; details: unknown }>;
    expect(refusals).toContainEqual({ outcome: 'failure', details: { field: 'value', provider } });
    expect(JSON.stringify(refusals)).not.toContain(key);
  });

  it('Telegram bot token (revoked: getMe 401)', async () => {
    const token = telegramToken();
    await f.h.providersJson('POST', `/telegram/_test/bots/${token}/revoke`);
    const before = await snapshot();
    const res = await http()
      .post(`${f.ws}/channels`)
      .set('Cookie', f.adminCookie)
      .send({ type: 'telegram', agentId: f.agentId, botToken: token })
      .expect(400);
    expect(res.body.error).toMatchObject({
      code: 'credential_refused',
      details: { field: 'botToken', provider: 'telegram' },
    });
    const rotate = await http()
      .put(`${f.ws}/channels/${f.channelId}/credentials`)
      .set('Cookie', f.adminCookie)
      .send({ botToken: token })
      .expect(400);
    expect(rotate.body.error.code).toBe('credential_refused');
    expect(await snapshot()).toEqual(before);
  });

  it('WhatsApp access token (revoked) and unknown phone number id', async () => {
    const phoneNumberId = String(100_000_000_000_000 + Math.floor(Math.random() * 1e9));
    await f.h.providersJson('POST', '/whatsapp/_test/phone-numbers', {
      phoneNumberId,
      appSecret: randomBytes(16).toString('hex'),
    });
    const revoked = `EAArevoked${alnum(30)}`;
    await f.h.providersJson('POST', '/whatsapp/_test/tokens/revoke', { token: revoked });
    const before = await snapshot();
    const body = {
      type: 'whatsapp',
      agentId: f.agentId,
      phoneNumberId,
      accessToken: revoked,
      appSecret: randomBytes(16).toString('hex'),
    };
    const bad = await http().post(`${f.ws}/channels`).set('Cookie', f.adminCookie).send(body).expect(400);
    expect(bad.body.error).toMatchObject({
      code: 'credential_refused',
      details: { field: 'accessToken', provider: 'whatsapp' },
    });
    const unknown = await http()
      .post(`${f.ws}/channels`)
      .set('Cookie', f.adminCookie)
      .send({ ...body, accessToken: `EAAgood${alnum(30)}`, phoneNumberId: '999999999999' })
      .expect(400);
    expect(unknown.body.error).toMatchObject({ code: 'credential_refused', details: { field: 'phoneNumberId' } });
    const secret = await http()
      .post(`${f.ws}/channels`)
      .set('Cookie', f.adminCookie)
      .send({ ...body, accessToken: `EAAgood${alnum(30)}`, appSecret: 'bad secret!' })
      .expect(400);
    expect(secret.body.error).toMatchObject({ code: 'credential_malformed', details: { field: 'appSecret' } });
    expect(await snapshot()).toEqual(before);
  });

  // Characters no provider issues: 400 before the provider is asked (not 503 "unreachable"), nothing written.
  it.each([
    ['non-ASCII OpenAI key', 'openai', `sk-${alnum(24)}é${alnum(8)}`],
    ['OpenAI key with a space', 'openai', `sk-${alnum(16)} ${alnum(16)}`],
    ['OpenAI key with a control character', 'openai', `sk-${alnum(16)}\u0007${alnum(16)}`],
    ['Anthropic key without its prefix', 'anthropic', `sk-${alnum(40)}`],
    ['Anthropic key with a lone surrogate', 'anthropic', `sk-ant-${alnum(24)}\ud800${alnum(8)}`],
  ])('%s: 400 credential_malformed', async (_name, provider, key) => {
    const before = await snapshot();
    const res = await http()
      .put(`${f.ws}/secrets/${provider}_api_key`)
      .set('Cookie', f.adminCookie)
      .send({ value: key })
      .expect(400);
    expect(res.body.error).toMatchObject({ code: 'credential_malformed', details: { field: 'value', provider } });
    expect(JSON.stringify(res.body)).not.toContain(key);
    expect(await snapshot()).toEqual(before);
  });

  it('malformed channel credentials: 400 credential_malformed naming the field, nothing written', async () => {
    const before = await snapshot();
    const expectMalformed = (res: { body: { error: unknown } }, field: string) =>
      expect(res.body.error).toMatchObject({ code: 'credential_malformed', details: { field } });
    const create = (body: object) => http().post(`${f.ws}/channels`).set('Cookie', f.adminCookie).send(body);
    const rotate = (body: object) =>
      http().put(`${f.ws}/channels/${f.channelId}/credentials`).set('Cookie', f.adminCookie).send(body);
    const telegram = { type: 'telegram', agentId: f.agentId };
    expectMalformed(await create({ ...telegram, botToken: `123456:AA${alnum(30)}ü` }).expect(400), 'botToken');
    expectMalformed(await rotate({ botToken: `12 3456:AA${alnum(33)}` }).expect(400), 'botToken');
    const whatsapp = { type: 'whatsapp', agentId: f.agentId, phoneNumberId: '100000000001' };
    const appSecret = randomBytes(16).toString('hex');
    expectMalformed(
      await create({ ...whatsapp, accessToken: `EAA${alnum(30)} ${alnum(4)}`, appSecret }).expect(400),
      'accessToken',
    );
    expect(await snapshot()).toEqual(before);
  });
});
