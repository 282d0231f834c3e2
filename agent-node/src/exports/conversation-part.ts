import { once } from 'node:events';
import { createWriteStream, rmSync, statSync, type WriteStream } from 'node:fs';
import type { TarWriter } from './tar-writer';

/** A conversation larger than this goes through a part file on disk instead of memory. */
export const SPILL_BYTES = 4 * 1024 * 1024;

/**
 * One conversation's NDJSON on its way into the archive. Tar needs an entry's size before its
 * bytes, so a conversation is collected first: in memory (almost every conversation: no disk
 * round trip, no await per line), or, once it passes SPILL_BYTES, in a part file that is read
 * back. Memory stays bounded by SPILL_BYTES whatever the data size.
 */
export class ConversationPart {
  private lines: string[] = [];
  private bytes = 0;
  private file: WriteStream | undefined;

  constructor(
    readonly name: string,
    private readonly partFile: string,
  ) {}

  /** Appends one NDJSON line (without its newline); once `full`, call spill() before adding more. */
  add(line: string): void {
    this.lines.push(line);
    this.bytes += line.length + 1; // UTF-16 units: a lower bound of the UTF-8 size, enough to decide a spill
  }

  get full(): boolean {
    return this.bytes >= SPILL_BYTES;
  }

  /** Moves the lines collected so far to the part file. */
  async spill(): Promise<void> {
    this.file ??= createWriteStream(this.partFile, { mode: 0o600 });
    const chunk = this.text();
    this.lines = [];
    this.bytes = 0;
    if (!this.file.write(chunk)) await once(this.file, 'drain');
  }

  async writeTo(tar: TarWriter, mtime: number): Promise<void> {
    const rest = Buffer.from(this.text(), 'utf8');
    this.lines = [];
    if (!this.file) return tar.addBuffer(this.name, rest, mtime);
    const file = this.file;
    this.file = undefined;
    file.end(rest);
    await once(file, 'close');
    await tar.addFile(this.name, this.partFile, statSync(this.partFile).size, mtime);
    rmSync(this.partFile, { force: true });
  }

  private text(): string {
    return this.lines.length ? `${this.lines.join('\n')}\n` : '';
  }

  discard(): void {
    this.file?.destroy();
    rmSync(this.partFile, { force: true });
  }
}
