import type { RequestHandler, Response, Router } from 'express';
import { createHash } from 'node:crypto';

/**
 * `POST /v1/embeddings` of the OpenAI stand-in (https://platform.openai.com/docs/api-reference/embeddings):
 * deterministic vectors by feature hashing — each word (lower-cased, 3+ letters, common words
 * left out, a plural "s" dropped) adds ±1 to one of `dimensions` slots, then the vector is
 * L2-normalised. Texts that share words are close (cosine), texts that share none are ~0, so
 * retrieval tests mean something. The response has the documented shape, as floats or, with
 * `encoding_format: 'base64'` (the official SDK's default), as little-endian float32 bytes.
 *
 * `GET /_test/embeddings` tells tests how many calls and inputs arrived.
 */
export const EMBEDDING_MODELS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

const STOP = new Set(
  'the and for are but not you your with this that from have has was were what when where which who why how can does our their there they them its into about than then also just'.split(
    ' ',
  ),
);

export function standInEmbedding(text: string, dimensions: number): Float32Array {
  const v = new Float32Array(dimensions);
  for (const raw of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (raw.length < 3 || STOP.has(raw)) continue;
    const word = raw.length > 3 && raw.endsWith('s') && !raw.endsWith('ss') ? raw.slice(0, -1) : raw;
    const h = createHash('sha256').update(word).digest();
    v[h.readUInt32LE(0) % dimensions] += h[4] & 1 ? 1 : -1;
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

type ErrorReply = (
  res: Response,
  status: number,
  message: string,
  type: string,
  code: string | null,
  param?: string | null,
) => unknown;

export function mountEmbeddings(r: Router, auth: RequestHandler, error: ErrorReply): void {
  const seen = { calls: 0, inputs: 0 };
  r.get('/_test/embeddings', (_req, res) => res.json(seen));
  r.post('/v1/embeddings', auth, (req, res) => {
    const body = (req.body ?? {}) as {
      model?: unknown;
      input?: unknown;
      dimensions?: unknown;
      encoding_format?: unknown;
    };
    if (typeof body.model !== 'string')
      return error(res, 400, 'you must provide a model parameter', 'invalid_request_error', null, 'model');
    const full = EMBEDDING_MODELS[body.model];
    if (!full)
      return error(
        res,
        404,
        `The model \`${body.model}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
        'model_not_found',
      );
    const inputs = typeof body.input === 'string' ? [body.input] : body.input;
    if (
      !Array.isArray(inputs) ||
      inputs.length === 0 ||
      inputs.length > 2048 ||
      !inputs.every((i) => typeof i === 'string' && i.length > 0)
    )
      return error(
        res,
        400,
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        'invalid_request_error',
        null,
      );
    let dimensions = full;
    if (body.dimensions !== undefined) {
      if (body.model === 'text-embedding-ada-002')
        return error(
          res,
          400,
          'This model does not support specifying dimensions.',
          'invalid_request_error',
          null,
          'dimensions',
        );
      if (!Number.isInteger(body.dimensions) || (body.dimensions as number) < 1 || (body.dimensions as number) > full)
        return error(
          res,
          400,
          `Invalid value for 'dimensions' = ${String(body.dimensions)}. Must be between 1 and ${full}.`,
          'invalid_request_error',
          null,
          'dimensions',
        );
      dimensions = body.dimensions as number;
    }
    const base64 = body.encoding_format === 'base64';
    if (body.encoding_format !== undefined && body.encoding_format !== 'float' && !base64)
      return error(
        res,
        400,
        "Invalid value for 'encoding_format': must be 'float' or 'base64'.",
        'invalid_request_error',
        null,
        'encoding_format',
      );
    seen.calls++;
    seen.inputs += inputs.length;
    const tokens = (inputs as string[]).reduce((n, t) => n + Math.ceil(t.length / 4), 0);
    return res.json({
      object: 'list',
      data: (inputs as string[]).map((text, index) => {
        const v = standInEmbedding(text, dimensions);
        return {
          object: 'embedding',
          index,
          embedding: base64 ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : Array.from(v),
        };
      }),
      model: body.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  });
}
