/**
 * One export job, in its own process (so its peak RSS is the export's alone): builds the archive
 * of the node database given, from the request to ready, and prints {"ms","maxRssMb","baseRssMb","bytes","messages"}.
 *
 *   node -r @swc-node/register bench/export-run.ts <node.sqlite> <exports dir>
 */
import { pino } from 'pino';
import { ExportLinks } from '../agent-node/src/exports/export-links';
import { ExportRepository } from '../agent-node/src/exports/export.repository';
import { ExportService } from '../agent-node/src/exports/export.service';
import { openDatabase } from '../agent-node/src/storage/database';

async function main(): Promise<void> {
  const [dbFile, dir] = process.argv.slice(2);
  const db = openDatabase(dbFile);
  const service = new ExportService(
    new ExportRepository(db),
    new ExportLinks(Buffer.alloc(32, 1), 'https://node.bench.test'),
    dbFile,
    dir,
    pino({ level: 'silent' }),
  );
  global.gc?.();
  const baseRssMb = process.memoryUsage.rss() / 1048576;
  const started = process.hrtime.bigint();
  const job = service.request(3600);
  await service.settled();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const result = service.status(job.exportId);
  if (result.state !== 'ready') throw new Error(`export ${result.state}`);
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({
      ms,
      maxRssMb,
      baseRssMb,
      bytes: result.bytes,
      messages: result.messages,
      exportId: result.exportId,
    }),
  );
  db.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
