import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createReadStream } from 'node:fs';

const BLOCK = 512;

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

/** A POSIX ustar header for a regular file (names up to 100 bytes). */
export function tarHeader(name: string, size: number, mtimeSeconds: number): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100) throw new Error('tar entry name too long');
  const h = Buffer.alloc(BLOCK, 0);
  nameBytes.copy(h, 0);
  h.write(octal(0o600, 8), 100, 'ascii'); // mode
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtimeSeconds, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum placeholder (spaces)
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** Bytes handed to the output stream at a time (see TarWriter). */
const BATCH_BYTES = 1024 * 1024;

/**
 * Streams tar entries into `out` (e.g. a gzip stream) with backpressure, constant memory. Output
 * goes to `out` in batches of about 1 MB: zlib compresses on a worker thread and every write is
 * a round trip to it, so thousands of small entries written one by one left the export waiting
 * on those round trips more than on compression (bench/export.bench.ts).
 */
export class TarWriter {
  private batch: Buffer[] = [];
  private batchBytes = 0;

  constructor(private readonly out: Writable) {}

  async addFile(name: string, path: string, size: number, mtimeSeconds: number): Promise<void> {
    await this.write(tarHeader(name, size, mtimeSeconds));
    for await (const chunk of createReadStream(path)) await this.write(chunk as Buffer);
    await this.pad(size);
  }

  async addBuffer(name: string, data: Buffer, mtimeSeconds: number): Promise<void> {
    await this.write(tarHeader(name, data.length, mtimeSeconds));
    await this.write(data);
    await this.pad(data.length);
  }

  /** Two zero blocks end the archive; everything is handed to `out`. */
  async finish(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2, 0));
    await this.flush();
  }

  private async pad(size: number): Promise<void> {
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) await this.write(Buffer.alloc(pad, 0));
  }

  private async write(chunk: Buffer): Promise<void> {
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    if (this.batchBytes >= BATCH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.batchBytes) return;
    const chunk = Buffer.concat(this.batch, this.batchBytes);
    this.batch = [];
    this.batchBytes = 0;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
}
