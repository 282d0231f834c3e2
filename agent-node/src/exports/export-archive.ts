import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { ConversationPart } from './conversation-part';
import type { ArchiveFacts } from './export.repository';
import { ExportSnapshot } from './export-snapshot';
import { TarWriter } from './tar-writer';

/** Thrown out of a build the node asked to stop (shutdown, wipe): the job stays `building`. */
export class ExportStopped extends Error {
  constructor() {
    super('export stopped');
    this.name = 'ExportStopped';
  }
}

/**
 * Writes the archive of the database `dbFile` into `folder/<fileName>`:
 * `export.tar.gz` holding one NDJSON file per conversation (`conversations/<id>.ndjson`: a
 * `{"type":"conversation",…}` line, then its `{"type":"message",…}` lines) and a `manifest.json`,
 * streamed from an ExportSnapshot. `signal` aborted: stops at the next row with ExportStopped.
 */
export async function writeArchive(
  dbFile: string,
  folder: string,
  fileName: string,
  now: Date,
  signal: AbortSignal,
): Promise<ArchiveFacts> {
  const file = join(folder, fileName);
  const partFile = join(folder, 'conversation.part');
  const mtime = Math.floor(now.getTime() / 1000);
  const hash = createHash('sha256');
  let bytes = 0;
  // Level 1: an export is mostly text that compresses well at any level, and level 6 cost
  // ~4× the CPU for a few percent of size (bench/export.bench.ts). 256 KB chunks: with the
  // default 16 KB the compressing thread hands back every 16 KB of output and waits for the
  // main thread to give it more.
  const gzip = createGzip({ level: 1, chunkSize: 256 * 1024 });
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
  const snapshot = new ExportSnapshot(dbFile);
  try {
    for (const [conversationId, line] of snapshot.conversations()) {
      if (signal.aborted) throw new ExportStopped();
      conversations++;
      part = new ConversationPart(`conversations/${conversationId}.ndjson`, partFile);
      part.add(line);
      for (const message of snapshot.messageLines(conversationId)) {
        messages++;
        part.add(message);
        if (part.full) await part.spill();
      }
      await part.writeTo(tar, mtime);
    }
    part = undefined;
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
  } catch (error) {
    gzip.destroy();
    out.destroy();
    throw error;
  } finally {
    snapshot.close();
    part?.discard();
  }
  return { conversations, messages, bytes, sha256: hash.digest('hex') };
}
