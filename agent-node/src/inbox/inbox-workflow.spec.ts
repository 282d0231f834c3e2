import { configureNode, startNodeFixture, type ConfiguredChannels, type NodeFixture } from '../testing/node-fixture';
import { inboxClient, type InboxClient } from '../testing/inbox-client';
import { waitFor } from '../testing/node-harness';
import { TRASH_DAYS } from './inbox.service';

/** Reads an SSE response until `count` events arrived; returns their ids and data. */
async function readEvents(res: Response, count: number): Promise<{ id: number; type: string }[]> {
  const reader = res.body!.getReader();
  const events: { id: number; type: string }[] = [];
  let buffer = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += Buffer.from(value).toString('utf8');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (\d+)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (id && data) events.push({ id: Number(id), type: (JSON.parse(data) as { type: string }).type });
    }
  }
  await reader.cancel();
  return events;
}

describe('team inbox: working a conversation (tags, notes, search, status, trash, live updates)', () => {
  let f: NodeFixture;
  let ch: ConfiguredChannels;
  let admin: InboxClient;
  let adminToken: string;

  beforeAll(async () => {
    f = await startNodeFixture();
    ch = await configureNode(f);
    adminToken = f.cp.session(f.config.nodeId, 'admin', { userId: 'user-lin' });
    admin = inboxClient(f, adminToken);
    for (const [chatId, text] of [
      [8001, 'My parcel never arrived'],
      [8002, 'Quelle est la météo à Zürich?'],
    ] as const) {
      await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId, text });
    }
    // Both answered by the agent and marked sent: no event of theirs is still to come.
    const delivered = () =>
      (
        f.app.internals.db
          .prepare("SELECT COUNT(*) AS n FROM messages WHERE direction = 'out' AND delivery_status = 'sent'")
          .get() as { n: number }
      ).n;
    await waitFor(async () => (delivered() === 2 ? true : undefined));
  });
  afterAll(() => f.close());

  const find = async (q: string) =>
    (await admin.json('GET', `/v1/inbox/conversations?q=${encodeURIComponent(q)}`)).conversations;
  const indexRows = (id: string) =>
    (
      f.app.internals.db
        .prepare(
          'SELECT COUNT(*) AS n FROM messages_fts f JOIN messages m ON m.id = f.rowid WHERE m.conversation_id = ?',
        )
        .get(id) as { n: number }
    ).n;

  it('searches message text (prefix, accents folded, operators are plain text)', async () => {
    expect(await find('parc')).toHaveLength(1);
    expect(await find('meteo zurich')).toHaveLength(1);
    expect(await find('parcel OR météo')).toHaveLength(0);
    expect(await find('"unbalanced')).toHaveLength(0);
    expect(await find('???')).toHaveLength(0);
  });

  it('tags, notes (never sent), assignment and status with snooze, each a live-update event', async () => {
    const [conversation] = await find('parcel');
    const stream = await fetch(`${f.nodeUrl}/v1/inbox/events`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const id = conversation.id;
    await admin.json('PATCH', `/v1/inbox/conversations/${id}`, { tags: ['shipping', 'vip'], assigneeId: 'user-lin' });
    await admin.json('POST', `/v1/inbox/conversations/${id}/notes`, { text: 'Customer called twice already' });
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const snoozed = await admin.json('PATCH', `/v1/inbox/conversations/${id}`, {
      status: 'snoozed',
      snoozedUntil: until,
    });
    expect(snoozed.conversation).toMatchObject({ status: 'snoozed', snoozedUntil: until, tags: ['shipping', 'vip'] });
    const events = await readEvents(stream, 5);
    expect(events.map((e) => e.type)).toEqual([
      'conversation.updated', // tag shipping
      'conversation.updated', // tag vip
      'conversation.updated', // assignee
      'note.created',
      'conversation.updated', // snoozed
    ]);
    expect((await admin.json('GET', '/v1/inbox/conversations?tag=vip')).conversations).toHaveLength(1);
    expect((await admin.json('GET', '/v1/inbox/conversations?status=open')).conversations).toHaveLength(1);
    const thread = await admin.json('GET', `/v1/inbox/conversations/${id}`);
    expect(thread.notes).toEqual([
      expect.objectContaining({ authorId: 'user-lin', text: 'Customer called twice already' }),
    ]);
    const sent = (await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages;
    expect(sent.map((m) => m.text)).not.toContain('Customer called twice already');

    // A dashboard that reconnects with Last-Event-ID gets exactly what it missed.
    await admin.json('PATCH', `/v1/inbox/conversations/${id}`, { status: 'open' });
    const resumed = await fetch(`${f.nodeUrl}/v1/inbox/events`, {
      headers: { authorization: `Bearer ${adminToken}`, 'last-event-id': String(events[3].id) },
    });
    const missed = await readEvents(resumed, 2);
    expect(missed.map((e) => e.id)).toEqual([events[3].id + 1, events[3].id + 2]);
    expect(missed.at(-1)?.id).toBe(events[4].id + 1);
  });

  it('trash is restorable; permanent erase removes messages and search rows at once; both reach the control plane', async () => {
    const [conversation] = await find('parcel');
    const id = conversation.id;
    const trashed = await admin.json('POST', `/v1/inbox/conversations/${id}/trash`);
    expect(trashed.conversation.trashedAt).not.toBeNull();
    expect(await find('parcel')).toHaveLength(0);
    expect((await admin.json('GET', '/v1/inbox/conversations?trash=1')).conversations).toHaveLength(1);
    await admin.json('POST', `/v1/inbox/conversations/${id}/restore`);
    expect(await find('parcel')).toHaveLength(1);

    expect(indexRows(id)).toBeGreaterThan(0);
    const erased = await admin.json('DELETE', `/v1/inbox/conversations/${id}`);
    expect(erased).toEqual({ erased: true, messages: 2 });
    expect(indexRows(id)).toBe(0);
    expect((await admin.call('GET', `/v1/inbox/conversations/${id}`)).status).toBe(404);

    await f.app.internals.heartbeat.beat();
    const notices = f.cp.heartbeats.at(-1)!.inboxNotices!.map((n) => [n.type, n.actorUserId, n.messages]);
    expect(notices).toEqual([
      ['conversation_trashed', 'user-lin', null],
      ['conversation_restored', 'user-lin', null],
      ['conversation_erased', 'user-lin', 2],
    ]);
  });

  it('the nightly purge erases what has been in the trash for 30 days, not what is newer', async () => {
    const [conversation] = await find('meteo');
    await admin.json('POST', `/v1/inbox/conversations/${conversation.id}/trash`);
    const { inbox } = f.app.internals;
    expect(inbox.purgeTrash(Date.now() + (TRASH_DAYS - 1) * 86_400_000)).toBe(0);
    expect(inbox.purgeTrash(Date.now() + (TRASH_DAYS + 1) * 86_400_000)).toBe(1);
    expect((await admin.json('GET', '/v1/inbox/conversations?trash=1')).conversations).toHaveLength(0);
  });
});
