import type { ExportJob } from '@enclave/node-protocol';
import type { FakeControlPlane } from './fake-control-plane';
import { waitFor } from './node-harness';

export type ReadyExport = Extract<ExportJob, { state: 'ready' }>;

/** Asks the node for an export as the control plane does (202, a job), then polls it until ready. */
export async function readyExport(cp: FakeControlPlane, nodeUrl: string, body: object = {}): Promise<ReadyExport> {
  const started = await cp.call<ExportJob>(nodeUrl, 'POST', '/v1/exports', body);
  if (started.status !== 202) throw new Error(`export request answered ${started.status}`);
  return waitFor(async () => {
    const job = await cp.call<ExportJob>(nodeUrl, 'GET', `/v1/exports/${started.body.exportId}`);
    if (job.body.state === 'failed') throw new Error(`export failed: ${job.body.code}`);
    return job.body.state === 'ready' ? job.body : undefined;
  }, 30_000);
}
