import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join, relative } from 'node:path';
import type { ErrorBody, ExportJob, WipeReceipt } from '@enclave/node-protocol';
import { databaseFile, openDatabase } from './storage/database';
import { readyExport } from './testing/export-job';
import { configureNode, startNodeFixture, type ConfiguredChannels, type NodeFixture } from './testing/node-fixture';
import { waitFor, jsonOf } from './testing/node-harness';

const DAY = 24 * 3600 * 1000;

/** Minimal ustar reader for the test: name → UTF-8 content. */
function untar(tar: Buffer): Record<string, string> {
  const files: Record<string, string> = {};
  let off = 0;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, ''), 8);
    files[name] = tar.subarray(off + 512, off + 512 + size).toString('utf8');
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

function listFiles(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), root) : [relative(root, join(dir, e.name))],
  );
}

describe('export, erase, retention and wipe', () => {
  let f: NodeFixture;
  let ch: ConfiguredChannels;

  beforeAll(async () => {
    f = await startNodeFixture();
    ch = await configureNode(f);
    for (const [chatId, text] of [
      [1, 'first chat hello'],
      [2, 'second chat hello'],
    ] as const) {
      await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId, text });
    }
    await waitFor(
      async () => (await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages.length === 2,
    );
  });
  afterAll(() => f.close());

  it('builds an export as a job and serves it on a signed link with the right data', async () => {
    const r = { body: await readyExport(f.cp, f.nodeUrl, { ttlSeconds: 600 }) };
    expect(r.body).toMatchObject({ state: 'ready', conversations: 2, messages: 4 });
    expect(r.body.url.startsWith(`${f.nodeUrl}/exports/${r.body.exportId}/export.tar.gz?expires=`)).toBe(true);
    // the link's lifetime runs from when the archive was ready
    expect(Date.parse(r.body.expiresAt) - Date.parse(r.body.requestedAt)).toBeGreaterThanOrEqual(599_000);
    const res = await fetch(r.body.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const gz = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(gz).digest('hex')).toBe(r.body.sha256);
    const files = untar(gunzipSync(gz));
    // GNU tar reads it too
    const tgz = join(f.dataDir, '..', `${r.body.exportId}.tar.gz`);
    writeFileSync(tgz, gz);
    expect(execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n').sort()).toEqual(
      Object.keys(files).sort(),
    );
    rmSync(tgz);
    expect(Object.keys(files).sort()).toEqual(
      [
        ...Object.keys(files)
          .filter((n) => n.startsWith('conversations/'))
          .sort(),
        'manifest.json',
      ].sort(),
    );
    expect(JSON.parse(files['manifest.json'])).toMatchObject({
      format: 'enclave-export/v1',
      conversations: 2,
      messages: 4,
    });
    const perConversation = Object.entries(files)
      .filter(([n]) => n.startsWith('conversations/'))
      .map(([n, text]) => ({
        name: n,
        lines: text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      }));
    expect(perConversation).toHaveLength(2);
    for (const c of perConversation) {
      expect(c.lines[0].type).toBe('conversation');
      expect(c.name).toBe(`conversations/${c.lines[0].id}.ndjson`);
      expect(c.lines.slice(1).every((l) => l.type === 'message')).toBe(true);
    }
    const byChat = Object.fromEntries(
      perConversation.map((c) => [c.lines[0].externalChatId, c.lines.slice(1).map((l) => l.text)]),
    );
    expect(byChat).toEqual({
      '1': ['first chat hello', '[gpt-4o-mini] You said: "first chat hello" (1 messages in context)'],
      '2': ['second chat hello', '[gpt-4o-mini] You said: "second chat hello" (1 messages in context)'],
    });
  });

  it('refuses tampered links with 403 and expired ones with 410, then deletes the archive', async () => {
    const r = { body: await readyExport(f.cp, f.nodeUrl, { ttlSeconds: 60 }) };
    const url = new URL(r.body.url);
    const sig = url.searchParams.get('signature') as string;
    const expires = url.searchParams.get('expires') as string;
    const base = `${f.nodeUrl}${url.pathname}`;
    const tampered = [
      `${base}?expires=${Number(expires) + 1000}&signature=${sig}`,
      `${base}?expires=${expires}&signature=${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`,
      `${base}?expires=${expires}`,
      `${base}`,
      `${f.nodeUrl}/exports/00000000-0000-0000-0000-000000000000/export.tar.gz?expires=${expires}&signature=${sig}`,
    ];
    for (const u of tampered) {
      const res = await fetch(u);
      expect(res.status).toBe(403);
      expect((await jsonOf<ErrorBody>(res)).error.code).toBe('link_invalid');
    }
    // a correctly signed link whose time has passed → 410
    const exports = f.app.internals.exports;
    const past = Math.floor(Date.now() / 1000) - 5;
    const expired = await fetch(exports.links.url(r.body.exportId, past));
    expect(expired.status).toBe(410);
    expect((await jsonOf<ErrorBody>(expired)).error.code).toBe('link_expired');
    // the sweeper deletes archives after expiry
    const dir = join(f.dataDir, 'exports', r.body.exportId);
    expect(existsSync(dir)).toBe(true);
    expect(exports.purgeExpired(Date.now() + 61_000)).toBeGreaterThanOrEqual(1);
    expect(existsSync(dir)).toBe(false);
    expect((await fetch(r.body.url)).status).toBe(410);
    // and the job is forgotten: polling it is 404
    const gone = await f.cp.call<ErrorBody>(f.nodeUrl, 'GET', `/v1/exports/${r.body.exportId}`);
    expect([gone.status, gone.body.error.code]).toEqual([404, 'not_found']);
  });

  it('downloads only the exact canonical link: any unknown, missing, repeated or re-ordered parameter is 403', async () => {
    const r = { body: await readyExport(f.cp, f.nodeUrl, { ttlSeconds: 600 }) };
    const url = new URL(r.body.url);
    const [expires, sig] = [url.searchParams.get('expires'), url.searchParams.get('signature')];
    const other = 'f'.repeat(64);
    const base = `${f.nodeUrl}${url.pathname}`;
    for (const query of [
      `expires=${expires}&signature=${sig}&x=1`,
      `x=1&expires=${expires}&signature=${sig}`,
      `expires=${expires}&signature=${sig}&signature=${other}`,
      `expires=${expires}&signature=${other}&signature=${sig}`,
      `expires=${expires}&expires=${expires}&signature=${sig}`,
      `signature=${sig}&expires=${expires}`,
      `expires=${expires}&signature=${sig}&`,
      `%65xpires=${expires}&signature=${sig}`,
      `signature=${sig}`,
    ]) {
      const res = await fetch(`${base}?${query}`);
      expect([query, res.status]).toEqual([query, 403]);
      expect((await jsonOf<ErrorBody>(res)).error.code).toBe('link_invalid');
    }
    // the path is taken exactly as sent, not as a URL parser would normalise it
    const dotted = await rawGet(`${url.pathname.replace('/export.tar.gz', '/./export.tar.gz')}${url.search}`);
    expect(dotted).toBe(403);
    // other methods: 405; the canonical link itself still downloads
    for (const method of ['POST', 'HEAD', 'PUT']) expect((await fetch(r.body.url, { method })).status).toBe(405);
    const ok = await fetch(r.body.url);
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();

    /** GET with the request target exactly as given (fetch would normalise the path). */
    function rawGet(target: string): Promise<number> {
      return new Promise((resolve, reject) => {
        const req = httpRequest({ host: url.hostname, port: url.port, path: target, method: 'GET' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject).end();
      });
    }
  });

  it('answers 404 for an unknown export and 422 for a bad request; a job a restart interrupted is built again', async () => {
    for (const id of ['not-an-id', '00000000-0000-4000-8000-000000000000']) {
      const unknown = await f.cp.call<ErrorBody>(f.nodeUrl, 'GET', `/v1/exports/${id}`);
      expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    }
    const tooShort = await f.cp.call<ErrorBody>(f.nodeUrl, 'POST', '/v1/exports', { ttlSeconds: 5 });
    expect([tooShort.status, tooShort.body.error.code]).toEqual([422, 'validation_failed']);

    // The node stopped in the middle of a build: the job is still `building`, a partial archive on disk.
    await f.app.stop();
    const interrupted = '11111111-2222-4333-8444-555555555555';
    const db = openDatabase(databaseFile(f.dataDir));
    db.prepare(`INSERT INTO exports (id, state, ttl_seconds, requested_at) VALUES (?, 'building', 600, ?)`).run(
      interrupted,
      Date.now(),
    );
    db.close();
    mkdirSync(join(f.dataDir, 'exports', interrupted), { recursive: true });
    writeFileSync(join(f.dataDir, 'exports', interrupted, 'export.tar.gz'), 'partial');
    await f.restart();
    const resumed = await waitFor(async () => {
      const job = await f.cp.call<ExportJob>(f.nodeUrl, 'GET', `/v1/exports/${interrupted}`);
      return job.body.state === 'ready' ? job.body : undefined;
    });
    const archive = Buffer.from(await (await fetch(resumed.url)).arrayBuffer());
    expect(createHash('sha256').update(archive).digest('hex')).toBe(resumed.sha256);
    expect(resumed).toMatchObject({ conversations: 2, messages: 4 });
    // once it is ready, a new request is a new job
    expect((await readyExport(f.cp, f.nodeUrl)).exportId).not.toBe(interrupted);
  });

  it('erases one conversation on request', async () => {
    const conv = f.app.internals.conversations.findConversation('tg-main', '2');
    expect(conv).toBeDefined();
    const r = await f.cp.call(f.nodeUrl, 'POST', '/v1/conversations/erase', {
      channelId: 'tg-main',
      externalChatId: '2',
    });
    expect(r).toMatchObject({ status: 200, body: { erased: true, messages: 2 } });
    expect(f.app.internals.conversations.findConversation('tg-main', '2')).toBeUndefined();
    const left = f.app.internals.db
      .prepare('SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ?')
      .get(conv?.id) as { n: number };
    expect(left.n).toBe(0);
    expect(f.app.internals.conversations.findConversation('tg-main', '1')).toBeDefined();
    const again = await f.cp.call(f.nodeUrl, 'POST', '/v1/conversations/erase', { conversationId: conv?.id });
    expect(again.body).toEqual({ erased: false, messages: 0 });
  });

  it('retention purge removes exactly the rows older than the window', async () => {
    const db = f.app.internals.db;
    const now = Date.now();
    // chat 1 has 2 messages now; add an old conversation and an old message in chat 1
    const conv1 = f.app.internals.conversations.findConversation('tg-main', '1')?.id as string;
    db.prepare(
      "INSERT INTO conversations (id, channel_id, external_chat_id, created_at, last_message_at) VALUES ('old-conv', 'tg-main', '99', ?, ?)",
    ).run(now - 40 * DAY, now - 40 * DAY);
    db.prepare(
      "INSERT INTO messages (conversation_id, direction, kind, text, created_at) VALUES ('old-conv', 'in', 'text', 'ancient', ?)",
    ).run(now - 40 * DAY);
    db.prepare(
      "INSERT INTO messages (conversation_id, direction, kind, text, created_at) VALUES (?, 'in', 'text', 'old in live chat', ?)",
    ).run(conv1, now - 31 * DAY);
    db.prepare(
      "INSERT INTO messages (conversation_id, direction, kind, text, created_at) VALUES (?, 'in', 'text', 'just inside', ?)",
    ).run(conv1, now - 29 * DAY);
    expect((await f.cp.call(f.nodeUrl, 'PUT', '/v1/retention', { days: 30 })).status).toBe(200);
    const before = f.app.internals.conversations.counts();
    const result = f.app.internals.retention.purge(new Date(now));
    expect(result).toMatchObject({ messages: 2, conversations: 1 });
    const after = f.app.internals.conversations.counts();
    expect(after).toEqual({ conversations: before.conversations - 1, messages: before.messages - 2 });
    const texts = (db.prepare('SELECT text FROM messages').all() as { text: string }[]).map((r) => r.text);
    expect(texts).toContain('just inside');
    expect(texts).not.toContain('ancient');
    expect(texts).not.toContain('old in live chat');
    // reported with the next heartbeat
    await f.app.internals.heartbeat.beat();
    const beat = f.cp.heartbeats[f.cp.heartbeats.length - 1];
    expect(beat.retention).toMatchObject({ days: 30, purgedMessages: 2, purgedConversations: 1 });
    expect(beat.retention.lastPurgeAt).not.toBeNull();
  });

  it('wipe unregisters webhooks, deletes everything but the receipt, then refuses all but health', async () => {
    await f.cp.call(f.nodeUrl, 'POST', '/v1/exports', {});
    const r = await f.cp.call<WipeReceipt>(f.nodeUrl, 'POST', '/v1/wipe', { confirmNodeId: 'node-test-1' });
    expect(r.status).toBe(200);
    const receipt = r.body;
    expect(receipt.deleted).toMatchObject({ conversations: 1, secrets: 5, webhooksUnregistered: 1 });
    expect(receipt.deleted.files).toEqual(
      expect.arrayContaining(['node.sqlite', 'keys/local.key', 'keys/node-identity.key.pem']),
    );
    const { sha256, ...unsigned } = receipt;
    expect(createHash('sha256').update(JSON.stringify(unsigned)).digest('hex')).toBe(sha256);
    expect(listFiles(f.dataDir)).toEqual(receipt.remaining);
    expect(receipt.remaining).toEqual(['wiped.json']);
    const { webhook } = await f.sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/webhook`);
    expect(webhook).toBeNull();

    expect((await f.cp.call(f.nodeUrl, 'GET', '/v1/health')).body).toMatchObject({ state: 'wiped' });
    expect(await fetch(`${f.nodeUrl}/healthz`).then(jsonOf)).toEqual({ status: 'wiped' });
    for (const [method, path, body] of [
      ['PUT', '/v1/config', { revision: 9, agents: [], channels: [] }],
      ['PUT', '/v1/secrets/openai_api_key', { value: 'sk-x' }],
      ['POST', '/v1/exports', {}],
      ['POST', '/v1/resume', undefined],
    ] as const) {
      const res = await f.cp.call<ErrorBody>(f.nodeUrl, method, path, body);
      expect(res.status).toBe(410);
      expect(res.body.error.code).toBe('node_wiped');
    }
    // Asked again (the first answer lost), the node answers with the receipt it kept; another id is refused.
    const again = await f.cp.call<WipeReceipt>(f.nodeUrl, 'POST', '/v1/wipe', { confirmNodeId: 'node-test-1' });
    expect(again).toMatchObject({ status: 200, body: receipt });
    const other = await f.cp.call<ErrorBody>(f.nodeUrl, 'POST', '/v1/wipe', { confirmNodeId: 'node-test-2' });
    expect(other.status).toBe(422);
    expect(listFiles(f.dataDir)).toEqual(['wiped.json']);
    const hook = await fetch(`${f.nodeUrl}/webhooks/telegram/tg-main`, { method: 'POST', body: '{}' });
    expect(hook.status).toBe(410);
    // still wiped after a restart
    await f.app.stop();
    await f.restart();
    expect(f.app.state()).toBe('wiped');
    expect(listFiles(f.dataDir)).toEqual(['wiped.json']);
  });
});
