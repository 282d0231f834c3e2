import { recordFigures } from '@enclave/sandbox';
import { scanRunDir } from '@enclave/testing';

/**
 * The suite-wide at-rest scan, run by scripts/test.sh after Jest: no secret or conversation
 * content a test used may rest in any control-plane database or Redis prefix the suite created.
 * Usage: node -r @swc-node/register scripts/at-rest-scan.ts <ENCLAVE_AT_REST_DIR>
 */
const dir = process.argv[2];
if (!dir) throw new Error('usage: at-rest-scan.ts <run directory>');

const scan = scanRunDir(dir);
for (const hit of scan.hits) console.log(`at-rest leak: ${hit}`);
const needles = scan.needles.secret + scan.needles.content;
console.log(
  `at-rest scan: ${needles} needles (${scan.needles.secret} secrets, ${scan.needles.content} content) × ` +
    `${scan.databases} databases + ${scan.redisPrefixes} Redis prefixes: ${scan.hits.length} hits`,
);
recordFigures('at-rest', { ...scan, hits: scan.hits.length });
process.exit(scan.hits.length === 0 ? 0 : 1);
