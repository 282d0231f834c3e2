import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync, type ReadStream } from 'node:fs';
import { join } from 'node:path';
import type { ExportJob } from '@enclave/node-protocol';
import { NODE_ERROR, NodeError } from '../http/node-error';
import type { NodeLogger } from '../logging/logger';
import { EXPORT_FILE_NAME, expired, type ExportLinks } from './export-links';
import { ExportStopped, writeArchive } from './export-archive';
import type { ExportJobRow, ExportRepository } from './export.repository';

/** What a failed job answers; the cause stays in the node's log. */
const BUILD_FAILED = 'export_failed';

/**
 * Conversation exports as background jobs: a request starts the build (or joins the one already
 * building) and answers at once; the control plane polls the job until it is ready with its
 * signed, expiring link. A job interrupted by a restart is built again when the node starts.
 * Archives are deleted once their link expires.
 */
export class ExportService {
  private timer: NodeJS.Timeout | undefined;
  /** The build in progress in this process (at most one: see ExportRepository.startOrJoin). */
  private running: { readonly id: string; readonly abort: AbortController; readonly done: Promise<void> } | undefined;

  constructor(
    private readonly repository: ExportRepository,
    readonly links: ExportLinks,
    /** The database file, for the read-only snapshot connection. */
    private readonly dbFile: string,
    /** Where archives live: `<dir>/<export id>/export.tar.gz`. */
    private readonly dir: string,
    private readonly logger: NodeLogger,
    /** Builds one archive; tests hold it to look at a job while it builds. */
    private readonly archive: typeof writeArchive = writeArchive,
  ) {}

  /** Starts an export, or answers the one already building (its link lifetime is the first request's). */
  request(ttlSeconds: number, now = Date.now()): ExportJob {
    const job = this.repository.startOrJoin(randomUUID(), ttlSeconds, now);
    if (this.running?.id !== job.id) this.build(job);
    return this.describe(job);
  }

  /** The job as the control plane sees it; 404 once it is forgotten (or never was). */
  status(exportId: string): ExportJob {
    const job = this.repository.get(exportId);
    if (!job) throw new NodeError(NODE_ERROR.notFound, 'no such export');
    return this.describe(job);
  }

  /** At start: builds again the job a restart interrupted (its partial archive is discarded). */
  resume(): void {
    const job = this.repository.building();
    if (job && this.running?.id !== job.id) this.build(job);
  }

  /** Resolves once no build is running (tests, benchmarks). */
  async settled(): Promise<void> {
    await this.running?.done;
  }

  private build(job: ExportJobRow): void {
    const abort = new AbortController();
    const done = this.buildNow(job, abort.signal).finally(() => {
      if (this.running?.id === job.id) this.running = undefined;
    });
    this.running = { id: job.id, abort, done };
  }

  private async buildNow(job: ExportJobRow, signal: AbortSignal): Promise<void> {
    const folder = join(this.dir, job.id);
    const started = Date.now();
    try {
      rmSync(folder, { recursive: true, force: true });
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      const facts = await this.archive(this.dbFile, folder, EXPORT_FILE_NAME, new Date(started), signal);
      const readyAt = Date.now();
      this.repository.markReady(job.id, readyAt + job.ttlSeconds * 1000, facts);
      this.logger.info(
        {
          exportId: job.id,
          conversationCount: facts.conversations,
          messageCount: facts.messages,
          bytes: facts.bytes,
          ms: readyAt - started,
        },
        'export built',
      );
    } catch (err) {
      if (err instanceof ExportStopped) return; // still `building`: resumed at the next start
      rmSync(folder, { recursive: true, force: true });
      this.repository.markFailed(job.id, BUILD_FAILED, Date.now() + job.ttlSeconds * 1000);
      this.logger.error({ err, exportId: job.id }, 'export failed');
    }
  }

  private describe(job: ExportJobRow): ExportJob {
    const base = { exportId: job.id, requestedAt: new Date(job.requestedAt).toISOString() };
    if (job.state === 'failed') return { ...base, state: 'failed', code: job.errorCode ?? BUILD_FAILED };
    if (job.state === 'building' || job.expiresAt === null) return { ...base, state: 'building' };
    const expiresAtSeconds = Math.floor(job.expiresAt / 1000);
    return {
      ...base,
      state: 'ready',
      url: this.links.url(job.id, expiresAtSeconds),
      expiresAt: new Date(expiresAtSeconds * 1000).toISOString(),
      conversations: job.conversations ?? 0,
      messages: job.messages ?? 0,
      bytes: job.bytes ?? 0,
      sha256: job.sha256 ?? '',
    };
  }

  /** The archive of an export whose link was verified (410 once it was swept). */
  openArchive(exportId: string): { stream: ReadStream; size: number } {
    const file = join(this.dir, exportId, EXPORT_FILE_NAME);
    if (this.repository.get(exportId)?.state !== 'ready' || !existsSync(file)) throw expired();
    return { stream: createReadStream(file), size: statSync(file).size };
  }

  /** Deletes archives whose link expired (and any folder the table does not know). */
  purgeExpired(now = Date.now()): number {
    const gone = this.repository.deleteExpired(now);
    for (const id of gone) rmSync(join(this.dir, id), { recursive: true, force: true });
    if (existsSync(this.dir)) {
      const known = this.repository.ids();
      for (const name of readdirSync(this.dir))
        if (!known.has(name)) rmSync(join(this.dir, name), { recursive: true, force: true });
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

  /** Stops the sweeper and the build in progress (left `building`, resumed at the next start). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.running?.abort.abort();
    await this.settled();
  }

  count(): number {
    return this.repository.count();
  }
}
