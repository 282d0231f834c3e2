import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpResponse {
  readonly status: number;
  readonly json: unknown;
}

export class HttpClientError extends Error {
  constructor(readonly code: 'timeout' | 'network_error' | 'response_too_large') {
    super(`http request failed: ${code}`);
    this.name = 'HttpClientError';
  }
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Small JSON request over node:http(s). Used instead of global `fetch` for the node's own
 * calls (control plane, WhatsApp) so an idle node does not load undici (~5 MB RSS).
 */
export function requestJson(input: {
  method: string;
  url: string | URL;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}): Promise<HttpResponse> {
  const url = typeof input.url === 'string' ? new URL(input.url) : input.url;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string | number> = { accept: 'application/json', ...input.headers };
  if (input.body !== undefined) headers['content-length'] = Buffer.byteLength(input.body);
  return new Promise((resolve, reject) => {
    const req = send(url, { method: input.method, headers, timeout: input.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy();
          reject(new HttpClientError('response_too_large'));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        let json: unknown = null;
        try {
          json = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
      res.on('error', () => reject(new HttpClientError('network_error')));
    });
    req.on('timeout', () => {
      req.destroy();
      reject(new HttpClientError('timeout'));
    });
    req.on('error', () => reject(new HttpClientError('network_error')));
    req.end(input.body);
  });
}
