import { join } from 'node:path';
import { freeTcpPort } from '@enclave/testing';
import request from 'supertest';
import { eventually } from './eventually';
import { spawnControlPlaneProcess, type WorkerProcess } from './worker-process';

/** An API replica in a process of its own (apps/api/src/main.ts), beside a test's in-process API. */
export interface ApiProcess {
  /** Where this replica listens (customers reach every replica at the shared PUBLIC_URL). */
  url: string;
  http(): ReturnType<typeof request>;
  process: WorkerProcess;
}

/** Starts another API on the same database and Redis prefix (`env`) and waits until its health check passes. */
export async function startApiProcess(env: NodeJS.ProcessEnv, logDir: string, label = 'api'): Promise<ApiProcess> {
  const port = await freeTcpPort();
  const url = `http://127.0.0.1:${port}`;
  const spawned = spawnControlPlaneProcess(
    'apps/api/src/main.ts',
    { ...env, API_PORT: String(port) },
    join(logDir, `${label}-${Date.now()}.log`),
  );
  await eventually(
    async () => {
      if (spawned.child.exitCode !== null) throw new Error(`the API process exited (${spawned.child.exitCode})`);
      return (await fetch(`${url}/api/health`)).ok;
    },
    90_000,
    250,
  );
  return { url, http: () => request(url), process: spawned };
}
