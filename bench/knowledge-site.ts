/**
 * The knowledge benchmark's other side, in its own process so its memory is not counted as the
 * node's: the static test website with generated pages and the sandbox (OpenAI embeddings).
 * Prints one JSON line `{site, host, sandbox}` once both listen.
 *
 *   node -r @swc-node/register bench/knowledge-site.ts <generatedPages>
 */
import { createStandIns, startSandbox, startTestSite } from '@enclave/sandbox';

async function main(): Promise<void> {
  const site = await startTestSite({ generatedPages: Number(process.argv[2] ?? 1000) });
  const sandbox = await startSandbox(createStandIns({ smtpPort: 0 }), 0);
  process.stdout.write(`${JSON.stringify({ site: site.url, host: site.host, sandbox: sandbox.url })}\n`);
}

void main();
