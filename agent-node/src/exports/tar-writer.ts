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

async function write(out: Writable, chunk: Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/** Streams tar entries into `out` (e.g. a gzip stream) with backpressure, constant memory. */
export class TarWriter {
  constructor(private readonly out: Writable) {}

  async addFile(name: string, path: string, size: number, mtimeSeconds: number): Promise<void> {
    await write(this.out, tarHeader(name, size, mtimeSeconds));
    for await (const chunk of createReadStream(path)) await write(this.out, chunk as Buffer);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) await write(this.out, Buffer.alloc(pad, 0));
  }

  async addBuffer(name: string, data: Buffer, mtimeSeconds: number): Promise<void> {
    await write(this.out, tarHeader(name, data.length, mtimeSeconds));
    await write(this.out, data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) await write(this.out, Buffer.alloc(pad, 0));
  }

  /** Two zero blocks end the archive. */
  async finish(): Promise<void> {
    await write(this.out, Buffer.alloc(BLOCK * 2, 0));
  }
}
