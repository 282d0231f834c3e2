import { alnum, type AgentsWorkspace, startAgentsWorkspace } from '../../test/agents-workspace';

const TEMPLATE = { name: 'reopen_conversation', language: 'en_US' };

/**
 * The WhatsApp channel's window template (issue 13): the approved template the node sends once
 * the 24-hour customer-service window is closed. Set at creation or later, validated as Meta
 * names them, delivered to the node with the channel's config; the node's window_closed count
 * lands in the workspace's usage.
 */
describe('WhatsApp channel: the template for a closed 24-hour window', () => {
  let f: AgentsWorkspace;
  let channelId: string;
  const http = () => f.h.api.http();
  const phoneNumberId = String(300_000_000_000_000 + Math.floor(Math.random() * 1e9));
  const whatsapp = () => ({
    type: 'whatsapp',
    agentId: f.agentId,
    phoneNumberId,
    accessToken: `EAAwin${alnum(32)}`,
    appSecret: alnum(32),
  });
  const onNode = () => f.node.app.internals.config.getChannel(channelId)?.settings.windowTemplate;
  const patch = (id: string, body: object) =>
    http().patch(`${f.ws}/channels/${id}`).set('Cookie', f.adminCookie).send(body);

  beforeAll(async () => {
    f = await startAgentsWorkspace();
    await f.h.providersJson('POST', '/whatsapp/_test/phone-numbers', { phoneNumberId, appSecret: 'x'.repeat(16) });
  });
  afterAll(() => f?.close());

  it('is set when the channel is created and reaches the node with its config', async () => {
    const created = await http()
      .post(`${f.ws}/channels`)
      .set('Cookie', f.adminCookie)
      .send({ ...whatsapp(), windowTemplate: TEMPLATE })
      .expect(201);
    channelId = created.body.channel.id;
    expect(created.body).toMatchObject({ delivery: 'delivered', channel: { whatsapp: { windowTemplate: TEMPLATE } } });
    expect(onNode()).toEqual(TEMPLATE);
    const read = await http().get(`${f.ws}/channels/${channelId}`).set('Cookie', f.memberCookie).expect(200);
    expect(read.body.whatsapp.windowTemplate).toEqual(TEMPLATE);
  });

  it.each([
    ['an upper-case name', { name: 'Reopen', language: 'en_US' }, 'windowTemplate.name'],
    ['a name with a space', { name: 'reopen conversation', language: 'en_US' }, 'windowTemplate.name'],
    ['an empty name', { name: '', language: 'en_US' }, 'windowTemplate.name'],
    ['a name over 512 characters', { name: 'a'.repeat(513), language: 'en_US' }, 'windowTemplate.name'],
    ['a BCP 47 hyphen', { name: 'reopen', language: 'en-US' }, 'windowTemplate.language'],
    ['a language name', { name: 'reopen', language: 'english' }, 'windowTemplate.language'],
    ['a lower-case region', { name: 'reopen', language: 'en_us' }, 'windowTemplate.language'],
    ['a missing language', { name: 'reopen' }, 'windowTemplate.language'],
  ])('refuses %s with 400 naming the field; nothing changes', async (_what, windowTemplate, path) => {
    const res = await patch(channelId, { windowTemplate }).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual([expect.objectContaining({ path })]);
    expect(onNode()).toEqual(TEMPLATE);
  });

  it('refuses a bad template at creation too (nothing is created)', async () => {
    const before = await http().get(`${f.ws}/channels`).set('Cookie', f.memberCookie).expect(200);
    const res = await http()
      .post(`${f.ws}/channels`)
      .set('Cookie', f.adminCookie)
      .send({ ...whatsapp(), windowTemplate: { name: 'ok_name', language: 'EN' } })
      .expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    const after = await http().get(`${f.ws}/channels`).set('Cookie', f.memberCookie).expect(200);
    expect(after.body).toHaveLength(before.body.length);
  });

  it('is changed and removed with PATCH (audited), and belongs to WhatsApp channels only', async () => {
    const other = { name: 'follow_up_2', language: 'pt_BR' };
    const changed = await patch(channelId, { windowTemplate: other }).expect(200);
    expect(changed.body.channel.whatsapp.windowTemplate).toEqual(other);
    expect(onNode()).toEqual(other);
    const removed = await patch(channelId, { windowTemplate: null }).expect(200);
    expect(removed.body.channel.whatsapp.windowTemplate).toBeNull();
    expect(onNode()).toBeUndefined();
    const audited = await f.h.api.dataSource.query(
      `SELECT details FROM audit_events WHERE action = 'channel.updated' AND target_id = $1 ORDER BY id`,
      [channelId],
    );
    expect(audited.map((row: { details: { windowTemplate?: unknown } }) => row.details.windowTemplate)).toEqual([
      other,
      null,
    ]);
    const telegram = await patch(f.channelId, { windowTemplate: TEMPLATE }).expect(400);
    expect(telegram.body.error).toMatchObject({ code: 'whatsapp_only', details: { field: 'windowTemplate' } });
  });

  it("adds the node's window_closed count to the day's WhatsApp usage", async () => {
    const usage = async () => (await http().get(`${f.ws}/usage?days=1`).set('Cookie', f.memberCookie).expect(200)).body;
    const before = (await usage()).totals.windowClosed as number;
    f.node.app.internals.counters.increment('whatsapp.window_closed', 3);
    expect(await f.node.app.internals.heartbeat.beat()).toBe(true);
    const after = await usage();
    expect(after.totals.windowClosed).toBe(before + 3);
    expect(after.series[0].windowClosed).toBe(before + 3);
  });
});
