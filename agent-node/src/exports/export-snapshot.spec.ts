import { databaseFile, openDatabase } from '../storage/database';
import { removeDir, tempDir } from '../testing/node-harness';
import { ExportSnapshot } from './export-snapshot';

describe('ExportSnapshot: the NDJSON lines SQLite builds', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('enclave-export-snapshot-')));
  afterEach(() => removeDir(dir));

  it('are byte for byte what JSON.stringify makes, for any text, with millisecond ISO times, in order', () => {
    const texts = [
      'plain',
      'quotes " and \\ backslash',
      'new\nline\ttab\rcr\bbs\fff',
      'control \u0000 \u0001 \u001f \u007f',
      'émoji 👋🏽 中文 \u2028\u2029',
      'RTL \u202e mark',
      null,
    ];
    const file = databaseFile(dir);
    const db = openDatabase(file);
    db.prepare(
      `INSERT INTO channels (id, type, agent_id, enabled, settings) VALUES ('ch1', 'whatsapp', 'a1', 1, '{}')`,
    ).run();
    const conversation = db.prepare(
      `INSERT INTO conversations (id, channel_id, external_chat_id, created_at, last_message_at) VALUES (?, ?, ?, ?, ?)`,
    );
    conversation.run('c2', 'ch1', '15551230000', 1764547200999, 1764547200999);
    conversation.run('c1', 'gone', '"chat" 1', 1764547200001, 1764547200001); // its channel no longer exists
    conversation.run('c3', 'ch1', 'empty', 1764547259999, 1764547259999); // no messages
    const message = db.prepare(
      `INSERT INTO messages (conversation_id, direction, kind, text, delivery_status, created_at) VALUES ('c2', ?, ?, ?, ?, ?)`,
    );
    texts.forEach((text, i) =>
      message.run(
        i % 2 ? 'out' : 'in',
        text === null ? 'unsupported' : 'text',
        text,
        i % 2 ? 'delivered' : null,
        1764547200000 + i * 1001,
      ),
    );
    db.close();

    const snapshot = new ExportSnapshot(file);
    try {
      const conversations = [...snapshot.conversations()];
      expect(conversations).toEqual([
        [
          'c1',
          JSON.stringify({
            type: 'conversation',
            id: 'c1',
            channelId: 'gone',
            channelType: null,
            externalChatId: '"chat" 1',
            createdAt: new Date(1764547200001).toISOString(),
          }),
        ],
        [
          'c2',
          JSON.stringify({
            type: 'conversation',
            id: 'c2',
            channelId: 'ch1',
            channelType: 'whatsapp',
            externalChatId: '15551230000',
            createdAt: new Date(1764547200999).toISOString(),
          }),
        ],
        [
          'c3',
          JSON.stringify({
            type: 'conversation',
            id: 'c3',
            channelId: 'ch1',
            channelType: 'whatsapp',
            externalChatId: 'empty',
            createdAt: '2025-12-01T00:00:59.999Z',
          }),
        ],
      ]);
      expect([...snapshot.messageLines('c2')]).toEqual(
        texts.map((text, i) =>
          JSON.stringify({
            type: 'message',
            id: i + 1,
            direction: i % 2 ? 'out' : 'in',
            kind: text === null ? 'unsupported' : 'text',
            text,
            deliveryStatus: i % 2 ? 'delivered' : null,
            createdAt: new Date(1764547200000 + i * 1001).toISOString(),
          }),
        ),
      );
      expect([...snapshot.messageLines('c3')]).toEqual([]);
    } finally {
      snapshot.close();
    }
  });
});
