/** What a ZIP's central directory declares (read without inflating anything). */
export interface ZipDirectory {
  readonly names: readonly string[];
  readonly uncompressedBytes: number;
  readonly worstRatio: number;
}

/** Reads the central directory; undefined when the archive is malformed. */
export function readZipDirectory(b: Buffer): ZipDirectory | undefined {
  const from = Math.max(0, b.length - 65_557);
  let eocd = -1;
  for (let i = b.length - 22; i >= from; i--) {
    if (b.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  const count = b.readUInt16LE(eocd + 10);
  let p = b.readUInt32LE(eocd + 16);
  const names: string[] = [];
  let uncompressedBytes = 0;
  let worstRatio = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > b.length || b.readUInt32LE(p) !== 0x02014b50) return undefined;
    const compressed = b.readUInt32LE(p + 20);
    const uncompressed = b.readUInt32LE(p + 24);
    const nameLength = b.readUInt16LE(p + 28);
    const extra = b.readUInt16LE(p + 30);
    const comment = b.readUInt16LE(p + 32);
    names.push(b.toString('utf8', p + 46, p + 46 + nameLength));
    uncompressedBytes += uncompressed;
    if (uncompressed > 1_000_000) worstRatio = Math.max(worstRatio, uncompressed / Math.max(1, compressed));
    p += 46 + nameLength + extra + comment;
  }
  return { names, uncompressedBytes, worstRatio };
}
