import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A load balancer in front of API replicas: each request goes to the next one in turn. */
export interface RoundRobinProxy {
  url: string;
  /** Requests forwarded to each upstream, in the order given. */
  forwarded: number[];
  close(): Promise<void>;
}

export async function startRoundRobinProxy(upstreams: string[]): Promise<RoundRobinProxy> {
  const forwarded = upstreams.map(() => 0);
  let next = 0;
  const server = createServer((incoming, outgoing) => {
    const index = next++ % upstreams.length;
    forwarded[index] += 1;
    // The body is piped through untouched: Stripe's signature covers its exact bytes.
    const upstream = request(
      new URL(incoming.url ?? '/', upstreams[index]),
      { method: incoming.method, headers: incoming.headers },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(upstream);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwarded,
    close: () =>
      new Promise((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
      }),
  };
}
