import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createStandIns, handbookPdf, returnsDocx, startSandbox, type RunningSandbox } from '@enclave/sandbox';
import { knowledgeClient } from '../src/knowledge/knowledge-test-client';
import { readyExport } from '../src/testing/export-job';
import { FakeControlPlane } from '../src/testing/fake-control-plane';
import { configureNode, freePort } from '../src/testing/node-fixture';
import { jsonOf, removeDir, tempDir, testNodeConfig, waitFor, writeConfig } from '../src/testing/node-harness';
import { buildAgentNodeBundle } from './bundle';

describe('self-contained bundle', () => {
  let sandbox: RunningSandbox;
  let cp: FakeControlPlane;
  let out: string;
  let work: string;

  beforeAll(async () => {
    sandbox = await startSandbox(createStandIns({ smtpPort: 0 }), 0);
    cp = await new FakeControlPlane().start();
    out = tempDir('enclave-bundle-');
    work = tempDir('enclave-bundle-run-');
  });
  afterAll(async () => {
    await sandbox.close();
    await cp.stop();
    removeDir(out);
    removeDir(work);
  });

  it('runs from its own directory with plain node: webhooks, both SDKs, export', async () => {
    const { entry } = await buildAgentNodeBundle(out);
    expect(readdirSync(out)).toEqual(
      expect.arrayContaining(['agent-node.js', 'better_sqlite3.node', 'knowledge-extractor.js', 'node_modules']),
    );
    const port = await freePort();
    const nodeUrl = `http://127.0.0.1:${port}`;
    const cfg = testNodeConfig({ dataDir: join(work, 'data'), sandboxUrl: sandbox.url, controlPlane: cp, port });
    const configPath = writeConfig(work, { ...cfg, publicBaseUrl: nodeUrl });
    // cwd and NODE_PATH outside the repository: nothing may come from its node_modules
    const child = spawn(process.execPath, [entry, '--config', configPath], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '' },
      stdio: 'ignore',
    });
    try {
      await waitFor(
        () =>
          fetch(`${nodeUrl}/healthz`)
            .then((r) => r.ok)
            .catch(() => false),
        10_000,
      );
      const sandboxJson = (method: string, path: string, body?: unknown) =>
        fetch(`${sandbox.url}${path}`, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        }).then(jsonOf);
      const ch = await configureNode({ cp, nodeUrl, sandboxJson });
      await sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId: 1, text: 'bundled?' });
      await sandboxJson('POST', `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/messages`, {
        from: '15550001111',
        text: 'bundled too?',
      });
      await waitFor(
        async () => (await sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages.length === 1,
      );
      await waitFor(
        async () =>
          (await sandboxJson('GET', `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/sent`)).messages
            .length === 1,
      );
      expect((await sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages[0].text).toContain(
        'You said: "bundled?"',
      );
      expect(
        (await sandboxJson('GET', `/whatsapp/_test/phone-numbers/${ch.whatsapp.phoneNumberId}/sent`)).messages[0].text,
      ).toContain('Echo: bundled too?');
      const exp = await readyExport(cp, nodeUrl);
      expect((await fetch(exp.url)).status).toBe(200);
      // The knowledge base's extractor child runs from the bundle too (PDF and DOCX parsers inside).
      const kb = knowledgeClient({ nodeUrl, cp, config: cfg });
      const pdf = await kb.upload('handbook.pdf', handbookPdf());
      const docx = await kb.upload('returns.docx', returnsDocx());
      expect(await kb.settled(pdf.id)).toMatchObject({ status: 'ready', pages: 2, chunks: 1 });
      expect(await kb.settled(docx.id)).toMatchObject({ status: 'ready', chunks: 1 });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 60_000);
});
