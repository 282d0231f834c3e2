import { recordNeedle } from '@enclave/sandbox';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanRunDir } from './at-rest-scan';
import { leaks } from './leak-scan';

describe('the suite-wide at-rest scan', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-at-rest-spec-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Records into this spec's directory, then points back at the real run's (test.sh sets it for the suite). */
  const recordHere = (kind: 'secret' | 'content', value: string) => {
    const runDir = process.env.ENCLAVE_AT_REST_DIR;
    process.env.ENCLAVE_AT_REST_DIR = dir;
    try {
      recordNeedle(kind, value);
    } finally {
      if (runDir === undefined) delete process.env.ENCLAVE_AT_REST_DIR;
      else process.env.ENCLAVE_AT_REST_DIR = runDir;
    }
  };

  it('finds a planted secret in a database dump and a message text in a Redis dump, naming neither in full', () => {
    const secret = 'sk-planted-0123456789abcdefXYZ';
    const message = 'planted message where is my parcel 7f3a';
    recordHere('secret', secret);
    recordHere('content', message);
    recordHere('content', 'hello'); // too short to be distinctive: not a needle
    recordHere('content', 'x'.repeat(5000)); // too repetitive: any long run of x would match
    writeFileSync(join(dir, 'enclave_test_a.sql'), `COPY secrets (value) FROM stdin;\n${secret}\n\\.\n`);
    writeFileSync(join(dir, 'enclave_test_b.sql'), `COPY agents (name) FROM stdin;\nhello ${'x'.repeat(8000)}\n\\.\n`);
    writeFileSync(
      join(dir, 'enclave-test-1.redis.txt'),
      `bull:job\n{"data":"${Buffer.from(message).toString('base64')}"}\n`,
    );

    const scan = scanRunDir(dir);

    expect(scan).toMatchObject({ needles: { secret: 1, content: 1 }, databases: 2, redisPrefixes: 1 });
    // base64url is base64 without padding, so it is found too.
    expect(scan.hits.sort()).toEqual([
      'enclave-test-1.redis.txt: base64 of planted mess…',
      'enclave-test-1.redis.txt: base64url of planted mess…',
      'enclave_test_a.sql: raw of sk-planted-0…',
    ]);
  });

  it('reports nothing for a run whose dumps hold none of its needles', () => {
    recordHere('secret', 'sk-planted-0123456789abcdefXYZ');
    writeFileSync(join(dir, 'enclave_test_a.sql'), 'COPY secrets (mask) FROM stdin;\nsk-…fXYZ\n\\.\n');
    expect(scanRunDir(dir).hits).toEqual([]);
  });

  it('leaks() matches every encoding, either case, wherever it starts', () => {
    const needle = 'whsec_planted_0123456789';
    const hex = Buffer.from(needle).toString('hex');
    const hits = leaks([needle, 'an-absent-needle-0000'], {
      raw: `x${needle}y`,
      hexUpper: `prefix ${hex.toUpperCase()}`,
      base64url: Buffer.from(needle).toString('base64url'),
      short: needle.slice(0, -1),
    });
    // base64 and base64url of this needle are the same text (no + or / in it).
    expect(hits.sort()).toEqual([
      'base64url: base64 of whsec_plante…',
      'base64url: base64url of whsec_plante…',
      'hexUpper: hex of whsec_plante…',
      'raw: raw of whsec_plante…',
    ]);
  });
});
