import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { databaseFile, openDatabase, type Db } from '../storage/database';
import { removeDir, tempDir } from '../testing/node-harness';
import { ExportLinks } from './export-links';
import { ExportStopped, type writeArchive } from './export-archive';
import { ExportRepository } from './export.repository';
import { ExportService } from './export.service';

const FACTS = { conversations: 3, messages: 7, bytes: 42, sha256: 'a'.repeat(64) };

/** A stand-in archive builder that waits until the test lets it finish (or fail), or the job is stopped. */
class HeldBuilds {
  readonly started: string[] = [];
  private release: Array<(outcome: 'ok' | 'fail') => void> = [];

  readonly build: typeof writeArchive = (_db, folder, fileName, _now, signal) => {
    this.started.push(folder);
    writeFileSync(join(folder, fileName), 'archive');
    return new Promise((resolve, reject) => {
      const release = (outcome: 'ok' | 'fail') => (outcome === 'ok' ? resolve(FACTS) : reject(new Error('disk full')));
      this.release.push(release);
      signal.addEventListener('abort', () => {
        this.release = this.release.filter((r) => r !== release);
        reject(new ExportStopped());
      });
    });
  };

  finish(outcome: 'ok' | 'fail' = 'ok'): void {
    this.release.shift()?.(outcome);
  }
}

describe('ExportService: exports as background jobs', () => {
  let dir: string;
  let db: Db;
  let held: HeldBuilds;
  const services: ExportService[] = [];

  const service = () => {
    const s = new ExportService(
      new ExportRepository(db),
      new ExportLinks(Buffer.alloc(32, 7), 'https://node.test'),
      databaseFile(dir),
      join(dir, 'exports'),
      pino({ level: 'silent' }),
      held.build,
    );
    services.push(s);
    return s;
  };

  beforeEach(() => {
    dir = tempDir('enclave-export-jobs-');
    db = openDatabase(databaseFile(dir));
    held = new HeldBuilds();
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop();
    db.close();
    removeDir(dir);
  });

  it('answers at once with a building job; asking again while it builds returns the same job', async () => {
    const exports = service();
    const first = exports.request(600);
    expect(first).toMatchObject({ state: 'building' });
    expect(exports.request(3600)).toEqual(first);
    expect(exports.status(first.exportId)).toEqual(first);
    expect(held.started).toHaveLength(1);

    held.finish();
    await exports.settled();
    const ready = exports.status(first.exportId);
    expect(ready).toMatchObject({ state: 'ready', ...FACTS });
    if (ready.state !== 'ready') throw new Error('not ready');
    // the first request's lifetime, counted from when the archive was ready
    expect(Date.parse(ready.expiresAt) - Date.now()).toBeGreaterThan(590_000);
    expect(Date.parse(ready.expiresAt) - Date.now()).toBeLessThanOrEqual(600_000);
    expect(exports.links.verify(ready.url.slice('https://node.test'.length))).toBe(first.exportId);

    // one at a time, not one ever: a new request after it is ready is a new job
    const second = exports.request(600);
    expect(second.exportId).not.toBe(first.exportId);
    held.finish();
    await exports.settled();
  });

  it('a job stopped by a shutdown stays building and is built again by the next start', async () => {
    const before = service();
    const job = before.request(600);
    await before.stop();
    expect(before.status(job.exportId)).toMatchObject({ state: 'building' });

    const after = service();
    after.resume();
    expect(held.started).toHaveLength(2);
    held.finish();
    await after.settled();
    expect(after.status(job.exportId)).toMatchObject({ state: 'ready' });
  });

  it('a failed build is reported as failed, keeps no file, and frees the slot for a new request', async () => {
    const exports = service();
    const job = exports.request(600);
    held.finish('fail');
    await exports.settled();
    expect(exports.status(job.exportId)).toMatchObject({ state: 'failed', code: 'export_failed' });
    expect(existsSync(join(dir, 'exports', job.exportId))).toBe(false);
    expect(exports.request(600).exportId).not.toBe(job.exportId);
    held.finish();
    await exports.settled();
  });

  it('sweeps expired jobs with their archives, and folders no job knows, but not the one building', async () => {
    const exports = service();
    const done = exports.request(60);
    held.finish();
    await exports.settled();
    const building = exports.request(60);
    mkdirSync(join(dir, 'exports', 'stray'), { recursive: true });

    expect(exports.purgeExpired(Date.now() + 61_000)).toBe(1);
    expect(existsSync(join(dir, 'exports', done.exportId))).toBe(false);
    expect(existsSync(join(dir, 'exports', 'stray'))).toBe(false);
    expect(existsSync(join(dir, 'exports', building.exportId))).toBe(true);
    expect(() => exports.status(done.exportId)).toThrow('no such export');
    held.finish();
    await exports.settled();
  });
});
