import { HttpClientError, requestJson } from '../http/http-client';

export const EMBEDDING_MODEL = 'text-embedding-3-small';
/**
 * text-embedding-3-small shortened to 512 dimensions (the API's `dimensions`): a quarter of the
 * storage and scan time of the full 1536, for a small loss of retrieval quality.
 */
export const EMBEDDING_DIMENSIONS = 512;
const BATCH = 64;

export class EmbeddingError extends Error {
  constructor(readonly code: string) {
    super(`embedding call failed: ${code}`);
    this.name = 'EmbeddingError';
  }
}

/** Texts to unit vectors with OpenAI's embeddings endpoint (plain HTTP: the SDK stays unloaded). */
export class EmbeddingClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async embed(apiKey: string, texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += BATCH) out.push(...(await this.batch(apiKey, texts.slice(i, i + BATCH))));
    return out;
  }

  private async batch(apiKey: string, input: readonly string[]): Promise<Float32Array[]> {
    let res;
    try {
      res = await requestJson({
        method: 'POST',
        url: `${this.baseUrl}/embeddings`,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: EMBEDDING_MODEL,
          input,
          dimensions: EMBEDDING_DIMENSIONS,
          encoding_format: 'base64',
        }),
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      throw new EmbeddingError(err instanceof HttpClientError ? err.code : 'network_error');
    }
    if (res.status !== 200) throw new EmbeddingError(`http_${res.status}`);
    const data = (res.json as { data?: { index: number; embedding: string | number[] }[] } | null)?.data;
    if (!Array.isArray(data) || data.length !== input.length) throw new EmbeddingError('malformed_response');
    return [...data].sort((a, b) => a.index - b.index).map((d) => normalised(decode(d.embedding)));
  }
}

function decode(e: string | number[]): Float32Array {
  if (Array.isArray(e)) return Float32Array.from(e);
  const bytes = Buffer.from(e, 'base64');
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

function normalised(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  return v.map((x) => x / norm);
}
