import Database from 'better-sqlite3';
import { join } from 'node:path';
import { createStandIns, startSandbox, type RunningSandbox } from '@enclave/sandbox';
import { FakeControlPlane } from './testing/fake-control-plane';
import { configureNode, freePort, type ConfiguredChannels } from './testing/node-fixture';
import { removeDir, tempDir, testNodeConfig, waitFor, writeConfig, jsonOf } from './testing/node-harness';
import { spawnNode, type NodeProcess } from './testing/node-process';

describe('crash recovery of the real node process', () => {
  let sandbox: RunningSandbox;
  let cp: FakeControlPlane;
  let dir: string;
  let nodeUrl: string;
  let configPath: string;
  let proc: NodeProcess | undefined;

  const sandboxJson = async (method: string, path: string, body?: unknown) =>
    await fetch(`${sandbox.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(jsonOf);
  const healthy = async () =>
    (await fetch(`${nodeUrl}/healthz`)
      .then((r) => r.ok)
      .catch(() => false)) as boolean;

  beforeAll(async () => {
    sandbox = await startSandbox(createStandIns({ smtpPort: 0 }), 0);
    cp = await new FakeControlPlane().start();
    dir = tempDir();
    const port = await freePort();
    nodeUrl = `http://127.0.0.1:${port}`;
    const cfg = testNodeConfig({ dataDir: join(dir, 'data'), sandboxUrl: sandbox.url, controlPlane: cp, port });
    configPath = writeConfig(dir, {
      ...cfg,
      publicBaseUrl: nodeUrl,
      model: { ...cfg.model, timeoutMs: 20_000 },
      logLevel: 'info',
    });
  });

  afterAll(async () => {
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    await sandbox.close();
    await cp.stop();
    removeDir(dir);
  });

  it('fails loudly on a bad config', async () => {
    const bad = writeConfig(tempDir(), { nodeId: '' } as never);
    const p = spawnNode(bad);
    expect(await p.exited).toBe(78);
    expect(p.output()).toContain('invalid agent-node config');
    expect(p.output()).toContain('controlPlane');
  });

  it('a message stored before a kill -9 gets exactly one reply after restart', async () => {
    proc = spawnNode(configPath);
    await waitFor(healthy, 10_000);
    const ch: ConfiguredChannels = await configureNode({ cp, nodeUrl, sandboxJson });

    // Hold the model call so the node is between "inbound stored" and "reply sent".
    await sandboxJson('POST', '/openai/_test/faults', { latencyMs: 15_000 });
    const r = await sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, {
      chatId: 777,
      text: 'survive the crash',
    });
    expect(r.delivery.status).toBe(200); // acknowledged only after the commit
    await waitFor(async () => (await sandboxJson('GET', '/openai/_test/requests')).requests.length === 1);

    const db = new Database(join(dir, 'data', 'node.sqlite'), { readonly: true });
    expect((db.prepare("SELECT COUNT(*) AS n FROM messages WHERE direction = 'in'").get() as { n: number }).n).toBe(1);
    expect((db.prepare('SELECT state FROM reply_jobs').get() as { state: string }).state).toBe('pending');
    db.close();

    proc.child.kill('SIGKILL');
    expect(await proc.exited).toBeNull();
    await sandboxJson('DELETE', '/openai/_test/faults');
    expect((await sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages).toHaveLength(0);

    proc = spawnNode(configPath);
    await waitFor(
      async () => (await sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages.length === 1,
      15_000,
    );
    // the same update delivered again after restart (Telegram retry) changes nothing
    await sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates/${r.update_id}/redeliver`);
    await new Promise((res) => setTimeout(res, 500));
    const sent = (await sandboxJson('GET', `/telegram/_test/bots/${ch.telegramToken}/sent`)).messages;
    expect(sent).toHaveLength(1);
    expect(sent[0].text).toBe('[gpt-4o-mini] You said: "survive the crash" (1 messages in context)');

    const after = new Database(join(dir, 'data', 'node.sqlite'), { readonly: true });
    expect(after.prepare('SELECT state, send_attempts AS sendAttempts FROM reply_jobs').all()).toEqual([
      { state: 'sent', sendAttempts: 1 },
    ]);
    after.close();

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  }, 60_000);
});
