import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  type ReadStream,
} from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import type { RequestExportResponse } from '@enclave/node-protocol';
import type { NodeLogger } from '../logging/logger';
import { EXPORT_FILE_NAME, expired, type ExportLinks } from './export-links';
import { ExportSnapshot, type ExportRepository } from './export.repository';
import { ConversationPart } from './conversation-part';
import { TarWriter } from './tar-writer';

/**
 * Builds conversation exports, hands out their archives and deletes them after expiry.
 *
 * Archive: `export.tar.gz` holding one NDJSON file per conversation
 * (`conversations/<id>.ndjson`: a `{"type":"conversation",…}` line, then its
 * `{"type":"message",…}` lines) and a `manifest.json`, streamed from an ExportSnapshot.
 */
export class ExportService {
  private timer: NodeJS.Timeout | undefined;
  /** Exports being built: their folders are not in the table yet and must not be swept. */
  private readonly building = new Set<string>();

  constructor(
    private readonly repository: ExportRepository,
    readonly links: ExportLinks,
    /** The database file, for the read-only snapshot connection. */
    private readonly dbFile: string,
    /** Where archives live: `<dir>/<export id>/export.tar.gz`. */
    private readonly dir: string,
    private readonly logger: NodeLogger,
  ) {}

  async create(ttlSeconds: number, now = new Date()): Promise<RequestExportResponse> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const exportId = randomUUID();
    this.building.add(exportId);
    try {
      return await this.build(exportId, ttlSeconds, now);
    } finally {
      this.building.delete(exportId);
    }
  }

  private async build(exportId: string, ttlSeconds: number, now: Date): Promise<RequestExportResponse> {
    const folder = join(this.dir, exportId);
    mkdirSync(folder, { mode: 0o700 });
    const file = join(folder, EXPORT_FILE_NAME);
    const partFile = join(folder, 'conversation.part');
    const mtime = Math.floor(now.getTime() / 1000);
    const hash = createHash('sha256');
    let bytes = 0;
    // Level 1: an export is mostly text that compresses well at any level, and level 6 cost
    // ~4× the CPU for a few percent of size (bench/export.bench.ts).
    const gzip = createGzip({ level: 1 });
    const out = createWriteStream(file, { mode: 0o600 });
    gzip.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    gzip.pipe(out);
    const tar = new TarWriter(gzip);

    let part: ConversationPart | undefined;
    let conversations = 0;
    let messages = 0;
    const snapshot = new ExportSnapshot(this.dbFile);
    try {
      for (const r of snapshot.rows()) {
        if (r.c_id !== part?.conversationId) {
          await part?.writeTo(tar, mtime);
          conversations++;
          part = new ConversationPart(`conversations/${r.c_id}.ndjson`, partFile, r.c_id);
          await part.add({
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
          await part.add({
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
      await part?.writeTo(tar, mtime);
      part = undefined;
    } finally {
      snapshot.close();
      part?.discard();
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
    this.repository.insert({
      id: exportId,
      fileName: EXPORT_FILE_NAME,
      createdAt: now.getTime(),
      expiresAt: expiresAtSeconds * 1000,
      bytes,
      sha256,
    });
    this.logger.info({ exportId, conversationCount: conversations, messageCount: messages, bytes }, 'export built');
    return {
      exportId,
      url: this.links.url(exportId, expiresAtSeconds),
      expiresAt: new Date(expiresAtSeconds * 1000).toISOString(),
      conversations,
      messages,
      bytes,
      sha256,
    };
  }

  /** The archive of an export whose link was verified (410 once it was swept). */
  openArchive(exportId: string): { stream: ReadStream; size: number } {
    const file = join(this.dir, exportId, EXPORT_FILE_NAME);
    if (!existsSync(file)) throw expired();
    return { stream: createReadStream(file), size: statSync(file).size };
  }

  /** Deletes archives whose link expired (and any folder the table does not know). */
  purgeExpired(now = Date.now()): number {
    const gone = this.repository.deleteExpired(now);
    for (const id of gone) rmSync(join(this.dir, id), { recursive: true, force: true });
    if (existsSync(this.dir)) {
      const known = this.repository.ids();
      for (const name of readdirSync(this.dir))
        if (!known.has(name) && !this.building.has(name))
          rmSync(join(this.dir, name), { recursive: true, force: true });
    }
    return gone.length;
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
    return this.repository.count();
  }
}
