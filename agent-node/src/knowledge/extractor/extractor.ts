import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtractRequest, ExtractResult } from './extract';

export interface ExtractorOptions {
  /** V8 heap cap of the child (--max-old-space-size), MB. */
  readonly maxHeapMb: number;
  /** Resident memory the child may use before it is killed, MB (heap + buffers + code). */
  readonly maxRssMb: number;
  /** One document's extraction time limit. */
  readonly timeoutMs: number;
  /** An idle child exits after this long, so an idle node carries no parser. */
  readonly idleMs: number;
  /** A built child to run instead of the one beside this file (the benchmark runs the bundled one). */
  readonly childEntry?: string;
}

/** The child's entry: from source in the repository (tests), the bundle's second file on a host. */
function childEntry(): { file: string; execArgv: string[] } {
  if (__filename.endsWith('.ts'))
    return { file: join(__dirname, 'extractor-child.ts'), execArgv: ['-r', '@swc-node/register'] };
  return { file: join(__dirname, 'knowledge-extractor.js'), execArgv: [] };
}

function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

interface Pending {
  readonly resolve: (r: ExtractResult) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Runs document extraction in a child process, one document at a time: the child's heap is
 * capped, its RSS is watched (killed when over), each document has a deadline. A document that
 * kills the child fails with a clear reason; the next one gets a fresh child.
 */
export class Extractor {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private watch: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private killedFor: string | undefined;
  /** Highest RSS seen of any child, MB (for the benchmark). */
  peakRssMb = 0;

  constructor(private readonly options: ExtractorOptions) {}

  async extract(request: ExtractRequest): Promise<ExtractResult> {
    if (this.idle) clearTimeout(this.idle);
    const child = await this.start();
    const id = this.nextId++;
    return new Promise<ExtractResult>((resolve) => {
      const timer = setTimeout(
        () => this.kill(`extraction took longer than ${this.options.timeoutMs / 1000} s`),
        this.options.timeoutMs,
      );
      this.pending.set(id, { resolve, timer });
      child.send({ id, request }, (err) => {
        if (err) this.settle(id, { ok: false, reason: 'the extractor could not take the document' });
      });
    }).finally(() => {
      if (this.pending.size === 0) {
        this.idle = setTimeout(() => this.stop(), this.options.idleMs);
        this.idle.unref();
      }
    });
  }

  stop(): void {
    if (this.idle) clearTimeout(this.idle);
    this.kill('the node is stopping');
  }

  private start(): Promise<ChildProcess> {
    if (this.child && this.ready) {
      const child = this.child;
      return this.ready.then(() => child);
    }
    const { file, execArgv } = this.options.childEntry ? { file: this.options.childEntry, execArgv: [] } : childEntry();
    const child = fork(file, [], {
      execArgv: [...execArgv, `--max-old-space-size=${this.options.maxHeapMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    this.child = child;
    this.killedFor = undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', () => reject(new Error('extractor exited before it was ready')));
    });
    child.on('message', (m: { id?: number; result?: ExtractResult }) => {
      if (m.id !== undefined && m.result) this.settle(m.id, m.result);
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) {
        this.child = undefined;
        this.ready = undefined;
      }
      if (this.watch) clearInterval(this.watch);
      const reason =
        this.killedFor ??
        (signal || code !== 0 ? 'the document made the extractor run out of memory or crash' : 'the extractor stopped');
      for (const id of [...this.pending.keys()]) this.settle(id, { ok: false, reason });
    });
    this.watch = setInterval(() => {
      const rss = child.pid ? rssMb(child.pid) : undefined;
      if (rss === undefined) return;
      this.peakRssMb = Math.max(this.peakRssMb, rss);
      if (rss > this.options.maxRssMb)
        this.kill(`the document needed more than ${this.options.maxRssMb} MB to read`, child);
    }, 50);
    this.watch.unref();
    return this.ready.then(() => child);
  }

  private settle(id: number, result: ExtractResult): void {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    p.resolve(result);
  }

  private kill(reason: string, child = this.child): void {
    if (!child || child.exitCode !== null) return;
    this.killedFor = reason;
    child.kill('SIGKILL');
  }
}
