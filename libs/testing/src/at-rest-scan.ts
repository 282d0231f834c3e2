import { type Needle, readNeedles } from '@enclave/sandbox';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATABASE_DUMP_SUFFIX, REDIS_DUMP_SUFFIX } from './at-rest-haystacks';
import { leaks } from './leak-scan';

export interface AtRestScan {
  needles: Record<Needle['kind'], number>;
  databases: number;
  redisPrefixes: number;
  /** `<dump file>: <form> of <first characters of the needle>…`, never a whole needle. */
  hits: string[];
}

/** Every needle the run recorded against every control-plane database and Redis prefix it dumped. */
export function scanRunDir(dir: string): AtRestScan {
  const needles = readNeedles(dir);
  const dumps = readdirSync(dir).filter(
    (file) => file.endsWith(DATABASE_DUMP_SUFFIX) || file.endsWith(REDIS_DUMP_SUFFIX),
  );
  const haystacks = Object.fromEntries(dumps.map((file) => [file, readFileSync(join(dir, file), 'utf8')]));
  return {
    needles: {
      secret: needles.filter((needle) => needle.kind === 'secret').length,
      content: needles.filter((needle) => needle.kind === 'content').length,
    },
    databases: dumps.filter((file) => file.endsWith(DATABASE_DUMP_SUFFIX)).length,
    redisPrefixes: dumps.filter((file) => file.endsWith(REDIS_DUMP_SUFFIX)).length,
    hits: leaks(
      needles.map((needle) => needle.value),
      haystacks,
    ),
  };
}
