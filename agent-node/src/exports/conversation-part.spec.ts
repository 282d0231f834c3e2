import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, tempDir } from '../testing/node-harness';
import { ConversationPart, SPILL_BYTES } from './conversation-part';
import { TarWriter } from './tar-writer';

describe('ConversationPart: a conversation collected in memory, or through a part file past the spill size', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('enclave-part-')));
  afterEach(() => removeDir(dir));

  const archive = async (parts: Array<{ name: string; lines: number; width: number }>) => {
    const file = join(dir, 'a.tar');
    const out = createWriteStream(file);
    const tar = new TarWriter(out);
    for (const p of parts) {
      const part = new ConversationPart(p.name, join(dir, 'conversation.part'));
      for (let i = 0; i < p.lines; i += 1) {
        part.add(JSON.stringify({ i, text: `é${'x'.repeat(p.width)}` }));
        if (part.full) await part.spill();
      }
      await part.writeTo(tar, 0);
      expect(existsSync(join(dir, 'conversation.part'))).toBe(false);
    }
    await tar.finish();
    out.end();
    await once(out, 'close');
    return file;
  };

  it('writes small and spilled conversations byte for byte, every line in order', async () => {
    const width = 1000;
    const big = Math.ceil((SPILL_BYTES * 2.5) / width); // spills twice, then a remainder
    const file = await archive([
      { name: 'conversations/a.ndjson', lines: 3, width: 10 },
      { name: 'conversations/b.ndjson', lines: big, width },
      { name: 'conversations/c.ndjson', lines: 1, width: 5 },
    ]);
    expect(execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n')).toEqual([
      'conversations/a.ndjson',
      'conversations/b.ndjson',
      'conversations/c.ndjson',
    ]);
    const b = execFileSync('tar', ['-xOf', file, 'conversations/b.ndjson'], { maxBuffer: 64 << 20 }).toString('utf8');
    const lines = b.trimEnd().split('\n');
    expect(lines).toHaveLength(big);
    expect(lines.every((line, i) => JSON.parse(line).i === i)).toBe(true);
    expect(JSON.parse(lines[0]).text).toBe(`é${'x'.repeat(width)}`);
    expect(execFileSync('tar', ['-xOf', file, 'conversations/a.ndjson'], { encoding: 'utf8' })).toBe(
      [0, 1, 2].map((i) => `${JSON.stringify({ i, text: `é${'x'.repeat(10)}` })}\n`).join(''),
    );
  });
});
