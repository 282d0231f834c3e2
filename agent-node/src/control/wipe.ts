import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { WipeReceipt } from '@enclave/node-protocol';
import type { WipeCounts } from '../capability';

/** Left in the data directory after a wipe: the receipt, so the node keeps refusing work. */
const WIPE_MARKER = 'wiped.json';

/** The receipt of an earlier wipe, if this data directory was wiped. */
export function readWipeReceipt(dataDir: string): WipeReceipt | undefined {
  const marker = join(dataDir, WIPE_MARKER);
  return existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as WipeReceipt) : undefined;
}

/** Every file under `root`, from directory entries alone: a file that vanishes meanwhile cannot fail the wipe. */
function listFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/**
 * Deletes every file of the data directory (database + WAL, keys, exports; the database must
 * be closed) and writes the receipt in their place: `sha256` is over the JSON of the receipt
 * without it.
 */
export function wipeDataDirectory(dataDir: string, nodeId: string, counts: WipeCounts): WipeReceipt {
  const files = listFiles(dataDir).sort();
  for (const name of readdirSync(dataDir)) rmSync(join(dataDir, name), { recursive: true, force: true });
  const unsigned = {
    nodeId,
    wipedAt: new Date().toISOString(),
    deleted: { ...counts, files },
    remaining: [WIPE_MARKER],
  };
  const receipt: WipeReceipt = {
    ...unsigned,
    sha256: createHash('sha256').update(JSON.stringify(unsigned)).digest('hex'),
  };
  writeFileSync(join(dataDir, WIPE_MARKER), JSON.stringify(receipt, null, 2), { mode: 0o600 });
  return receipt;
}
