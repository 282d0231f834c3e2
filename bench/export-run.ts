/**
 * One export, in its own process (so its peak RSS is the export's alone): builds the archive
 * of the node database given and prints {"ms","maxRssMb","baseRssMb","bytes","messages"}.
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
  const result = await service.create(3600);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
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
