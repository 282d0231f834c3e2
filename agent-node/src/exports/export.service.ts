import { createHash, createHmac, randomUUID } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import { TarWriter } from './tar-writer';
import { join } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { openDatabase, type Db } from '../storage/database';
import type { NodeLogger } from '../logging/logger';
import { safeEqual } from '../channels/webhook.routes';

export const EXPORTS_DIR = 'exports';
export const EXPORT_FILE_NAME = 'export.tar.gz';

export interface ExportResult {
  readonly exportId: string;
  readonly url: string;
  readonly expiresAt: string;
  readonly conversations: number;
  readonly messages: number;
  readonly bytes: number;
  readonly sha256: string;
}

export type LinkCheck = { ok: true; file: string } | { ok: false; code: 'link_invalid' | 'link_expired' };

interface ExportRow {
  c_id: string;
  c_channel_id: string;
  c_channel_type: string | null;
  c_external_chat_id: string;
  c_created_at: number;
  m_id: number | null;
  m_direction: string | null;
  m_kind: string | null;
  m_text: string | null;
  m_delivery_status: string | null;
  m_created_at: number | null;
}

/**
 * Builds conversation exports and serves them through signed, expiring links.
 *
 * Archive: `export.tar.gz` holding one NDJSON file per conversation
 * (`conversations/<id>.ndjson`: a `{"type":"conversation",…}` line, then its
 * `{"type":"message",…}` lines) and a `manifest.json`. Rows are streamed from a separate
 * read-only SQLite connection with `.iterate()` (one row in memory at a time; WAL gives a
 * consistent snapshot while webhooks keep writing on the main connection).
 *
 * Link: `<publicBaseUrl>/exports/<id>/export.tar.gz?expires=<unix s>&signature=<hex>`
 * where signature = HMAC-SHA256(node-local key, "GET\n<path>\n<expires>").
 */
export class ExportService {
  private timer: NodeJS.Timeout | undefined;
  /** Exports being built: their folders are not in the table yet and must not be swept. */
  private readonly building = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly dbFile: string,
    private readonly dataDir: string,
    private readonly linkKey: Buffer,
    private readonly publicBaseUrl: string,
    private readonly logger: NodeLogger,
  ) {}

  get dir(): string {
    return join(this.dataDir, EXPORTS_DIR);
  }

  async create(ttlSeconds: number, now = new Date()): Promise<ExportResult> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const exportId = randomUUID();
    this.building.add(exportId);
    try {
      return await this.build(exportId, ttlSeconds, now);
    } finally {
      this.building.delete(exportId);
    }
  }

  private async build(exportId: string, ttlSeconds: number, now: Date): Promise<ExportResult> {
    const folder = join(this.dir, exportId);
    mkdirSync(folder, { mode: 0o700 });
    const file = join(folder, EXPORT_FILE_NAME);
    const partFile = join(folder, 'conversation.part');
    const mtime = Math.floor(now.getTime() / 1000);
    const hash = createHash('sha256');
    let bytes = 0;
    const gzip = createGzip();
    const out = createWriteStream(file, { mode: 0o600 });
    gzip.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    gzip.pipe(out);
    const tar = new TarWriter(gzip);

    // One conversation at a time goes to a part file (so its size is known for the tar
    // header), then into the archive; memory stays constant whatever the data size.
    let part: WriteStream | undefined;
    let partName = '';
    const writeLine = async (obj: unknown) => {
      if (!part) throw new Error('no open conversation');
      if (!part.write(`${JSON.stringify(obj)}\n`)) await once(part, 'drain');
    };
    const flush = async () => {
      if (!part) return;
      const p = part;
      part = undefined;
      p.end();
      await once(p, 'close');
      await tar.addFile(partName, partFile, statSync(partFile).size, mtime);
      rmSync(partFile, { force: true });
    };

    let conversations = 0;
    let messages = 0;
    const reader = openDatabase(this.dbFile, [], { readonly: true });
    try {
      const rows = reader
        .prepare<[], ExportRow>(
          `SELECT c.id AS c_id, c.channel_id AS c_channel_id, ch.type AS c_channel_type, c.external_chat_id AS c_external_chat_id,
                  c.created_at AS c_created_at, m.id AS m_id, m.direction AS m_direction, m.kind AS m_kind, m.text AS m_text,
                  m.delivery_status AS m_delivery_status, m.created_at AS m_created_at
             FROM conversations c
             LEFT JOIN channels ch ON ch.id = c.channel_id
             LEFT JOIN messages m ON m.conversation_id = c.id
            ORDER BY c.id, m.id`,
        )
        .iterate();
      let currentId: string | undefined;
      for (const r of rows) {
        if (r.c_id !== currentId) {
          await flush();
          currentId = r.c_id;
          conversations++;
          partName = `conversations/${r.c_id}.ndjson`;
          part = createWriteStream(partFile, { mode: 0o600 });
          await writeLine({
            type: 'conversation',
            id: r.c_id,
            channelId: r.c_channel_id,
            channelType: r.c_channel_type,
            externalChatId: r.c_external_chat_id,
            createdAt: new Date(r.c_created_at).toISOString(),
          });
        }
        if (r.m_id !== null) {
          messages++;
          await writeLine({
            type: 'message',
            id: r.m_id,
            direction: r.m_direction,
            kind: r.m_kind,
            text: r.m_text,
            deliveryStatus: r.m_delivery_status,
            createdAt: new Date(r.m_created_at ?? 0).toISOString(),
          });
        }
      }
      await flush();
    } finally {
      reader.close();
      part?.destroy();
      rmSync(partFile, { force: true });
    }
    const manifest = {
      format: 'enclave-export/v1',
      exportedAt: now.toISOString(),
      conversations,
      messages,
      layout: 'conversations/<conversation id>.ndjson: one conversation line, then its messages',
    };
    await tar.addBuffer('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), mtime);
    await tar.finish();
    gzip.end();
    await once(out, 'close');

    const expiresAtSeconds = Math.floor(now.getTime() / 1000) + ttlSeconds;
    const sha256 = hash.digest('hex');
    this.db
      .prepare('INSERT INTO exports (id, file_name, created_at, expires_at, bytes, sha256) VALUES (?, ?, ?, ?, ?, ?)')
      .run(exportId, EXPORT_FILE_NAME, now.getTime(), expiresAtSeconds * 1000, bytes, sha256);
    this.logger.info({ exportId, conversationCount: conversations, messageCount: messages, bytes }, 'export built');
    return {
      exportId,
      url: this.signedUrl(exportId, expiresAtSeconds),
      expiresAt: new Date(expiresAtSeconds * 1000).toISOString(),
      conversations,
      messages,
      bytes,
      sha256,
    };
  }

  static linkPath(exportId: string): string {
    return `/exports/${exportId}/${EXPORT_FILE_NAME}`;
  }

  private sign(path: string, expires: string): string {
    return createHmac('sha256', this.linkKey).update(`GET\n${path}\n${expires}`).digest('hex');
  }

  signedUrl(exportId: string, expiresAtSeconds: number): string {
    const path = ExportService.linkPath(exportId);
    return `${this.publicBaseUrl}${path}?expires=${expiresAtSeconds}&signature=${this.sign(path, String(expiresAtSeconds))}`;
  }

  /** Signature first (403 on anything wrong, in constant time), then expiry (410). */
  checkLink(path: string, expires: string | null, signature: string | null, now = Date.now()): LinkCheck {
    if (!expires || !signature || !/^\d{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature))
      return { ok: false, code: 'link_invalid' };
    if (!safeEqual(signature, this.sign(path, expires))) return { ok: false, code: 'link_invalid' };
    if (Number(expires) * 1000 <= now) return { ok: false, code: 'link_expired' };
    const m = /^\/exports\/([0-9a-f-]{36})\/export\.tar\.gz$/.exec(path);
    if (!m) return { ok: false, code: 'link_invalid' };
    const file = join(this.dir, m[1], EXPORT_FILE_NAME);
    if (!existsSync(file)) return { ok: false, code: 'link_expired' };
    return { ok: true, file };
  }

  openArchive(file: string) {
    return { stream: createReadStream(file), size: statSync(file).size };
  }

  /** Deletes archives whose link expired (and any folder the table does not know). */
  purgeExpired(now = Date.now()): number {
    const expired = this.db.prepare<[number], { id: string }>('SELECT id FROM exports WHERE expires_at <= ?').all(now);
    for (const e of expired) rmSync(join(this.dir, e.id), { recursive: true, force: true });
    this.db.prepare('DELETE FROM exports WHERE expires_at <= ?').run(now);
    if (existsSync(this.dir)) {
      const known = new Set(
        this.db
          .prepare<[], { id: string }>('SELECT id FROM exports')
          .all()
          .map((r) => r.id),
      );
      for (const name of readdirSync(this.dir))
        if (!known.has(name) && !this.building.has(name))
          rmSync(join(this.dir, name), { recursive: true, force: true });
    }
    return expired.length;
  }

  startSweeper(intervalMs = 60_000): void {
    this.timer = setInterval(() => {
      try {
        this.purgeExpired();
      } catch (err) {
        this.logger.error({ err }, 'export sweep failed');
      }
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM exports').get() as { n: number }).n;
  }
}
