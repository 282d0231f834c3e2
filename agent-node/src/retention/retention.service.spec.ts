import pino from 'pino';
import { openDatabase } from '../storage/database';
import { CountersRepository, COUNTER } from '../storage/counters.repository';
import { SettingsRepository } from '../storage/settings.repository';
import { RetentionRepository } from './retention.repository';
import { RetentionService } from './retention.service';

describe('RetentionService', () => {
  const db = openDatabase(':memory:');
  const settings = new SettingsRepository(db);
  const counters = new CountersRepository(db, settings);
  const service = new RetentionService(
    new RetentionRepository(db),
    (fn) => db.transaction(fn)(),
    settings,
    counters,
    { defaultDays: 365, purgeHourUtc: 3 },
    pino({ level: 'silent' }),
  );
  afterAll(() => db.close());

  it('runs nightly at the configured UTC hour', () => {
    expect(service.msUntilNextRun(new Date('2026-01-01T02:00:00Z'))).toBe(3600_000);
    expect(service.msUntilNextRun(new Date('2026-01-01T03:00:00Z'))).toBe(24 * 3600_000);
    expect(service.msUntilNextRun(new Date('2026-01-01T23:30:00Z'))).toBe(3.5 * 3600_000);
  });

  it('defaults to 365 days and purges only what is older, counting for the heartbeat', () => {
    expect(service.days()).toBe(365);
    const now = Date.parse('2026-06-01T00:00:00Z');
    const day = 24 * 3600_000;
    db.prepare(
      "INSERT INTO conversations (id, channel_id, external_chat_id, created_at, last_message_at) VALUES ('c1', 'ch', '1', 0, 0)",
    ).run();
    const insert = db.prepare(
      "INSERT INTO messages (conversation_id, direction, kind, text, created_at) VALUES ('c1', 'in', 'text', 'x', ?)",
    );
    insert.run(now - 366 * day);
    insert.run(now - 364 * day);
    expect(service.purge(new Date(now))).toMatchObject({ messages: 1, conversations: 0 });
    expect(service.purge(new Date(now + 2 * day))).toMatchObject({ messages: 1, conversations: 1 });
    expect(counters.snapshot()).toMatchObject({ [COUNTER.purgedMessages]: 2, [COUNTER.purgedConversations]: 1 });
    expect(service.lastPurgeAt()).toBe(new Date(now + 2 * day).toISOString());
  });
});
