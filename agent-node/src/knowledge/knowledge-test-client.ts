import type { NodeFixture } from '../testing/node-fixture';
import { waitFor } from '../testing/node-harness';
import type { KnowledgeSource } from './knowledge.repository';
import type { KnowledgeOverview } from './knowledge.service';

/** The dashboard's side of the knowledge base in tests: an admin node session against a test node. */
export function knowledgeClient(f: Pick<NodeFixture, 'nodeUrl' | 'cp' | 'config'>) {
  const token = f.cp.session(f.config.nodeId, 'admin', { userId: 'user-admin' });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${f.nodeUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown> & { source: KnowledgeSource },
    };
  };
  const overview = async () => (await call('GET', '/v1/knowledge')).body as unknown as KnowledgeOverview;
  const source = async (id: string) => (await overview()).sources.find((s) => s.id === id);
  /** Waits until the source is ready or failed, and returns it. */
  const settled = (id: string, timeoutMs = 30_000) =>
    waitFor(
      async () => {
        const s = await source(id);
        return s && (s.status === 'ready' || s.status === 'failed') ? s : undefined;
      },
      timeoutMs,
      50,
    );
  return {
    call,
    overview,
    source,
    settled,
    async add(body: unknown) {
      const r = await call('POST', '/v1/knowledge/sources', body);
      if (r.status !== 202) throw new Error(`add source: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.source;
    },
    async upload(name: string, bytes: Buffer) {
      const res = await fetch(`${f.nodeUrl}/v1/knowledge/files?name=${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        body: new Uint8Array(bytes),
      });
      const json = (await res.json()) as { source: KnowledgeSource };
      if (res.status !== 202) throw new Error(`upload: ${res.status} ${JSON.stringify(json)}`);
      return json.source;
    },
  };
}
