import express, { type Express, Router } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The sandbox serves loopback stand-ins of every external API Enclave talks to.
 * Each provider lives in its own folder and registers a router under its own prefix,
 * so the real SDKs are pointed at `${sandboxUrl}/<provider>` by configuration only.
 */
export interface SandboxContext {
  /** Base URL the sandbox is reachable at, e.g. http://127.0.0.1:4010 */
  readonly baseUrl: () => string;
}

export interface StandIn {
  /** URL prefix, e.g. "/github" */
  readonly prefix: string;
  readonly router: (context: SandboxContext) => Router;
  /** Optional extra servers (e.g. SMTP) started beside the HTTP one. */
  readonly start?: () => Promise<void>;
  readonly stop?: () => Promise<void>;
}

export interface RunningSandbox {
  readonly url: string;
  readonly app: Express;
  close(): Promise<void>;
}

export function createSandboxApp(standIns: readonly StandIn[], context: SandboxContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', standIns: standIns.map((s) => s.prefix) });
  });
  for (const standIn of standIns) {
    app.use(standIn.prefix, standIn.router(context));
  }
  return app;
}

export async function startSandbox(
  standIns: readonly StandIn[],
  port: number,
  host = '127.0.0.1',
): Promise<RunningSandbox> {
  let url = '';
  const app = createSandboxApp(standIns, { baseUrl: () => url });
  for (const standIn of standIns) await standIn.start?.();
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(port, host, () => resolve(s));
  });
  const address = server.address() as AddressInfo;
  url = `http://${host}:${address.port}`;
  return {
    url,
    app,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const standIn of standIns) await standIn.stop?.();
    },
  };
}
