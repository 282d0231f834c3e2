import { ModelCallError, type CompletionRequest, type ModelAnswer, type ModelClient } from '../models/model-client';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Exponential backoff with ±20% jitter. */
export function backoffMs(base: number, attempt: number): number {
  const raw = base * 2 ** Math.max(0, attempt - 1);
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

export interface ModelAttempts {
  /** The model's answer; undefined when every attempt failed (or there was no key). */
  readonly reply: ModelAnswer | undefined;
  /** Model calls made, counting earlier runs of the same job. */
  readonly attempts: number;
  /** Why the last attempt failed. */
  readonly lastCode: string;
}

/** Asks the model, retrying retryable failures with backoff, until an answer, a final failure or a stop. */
export async function completeWithRetries(
  models: ModelClient,
  request: CompletionRequest | undefined,
  opts: {
    readonly attemptsSoFar: number;
    readonly maxAttempts: number;
    readonly backoffBaseMs: number;
    readonly stopped: () => boolean;
    readonly onFailure: (code: string, attempt: number) => void;
  },
): Promise<ModelAttempts> {
  let attempts = opts.attemptsSoFar;
  let lastCode = 'missing_api_key';
  if (!request) return { reply: undefined, attempts, lastCode };
  for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
    attempts++;
    try {
      return { reply: await models.complete(request), attempts, lastCode };
    } catch (err) {
      const e = err instanceof ModelCallError ? err : new ModelCallError('unknown_error', false);
      lastCode = e.code;
      opts.onFailure(e.code, attempt);
      if (!e.retryable || attempt === opts.maxAttempts || opts.stopped()) break;
      await sleep(backoffMs(opts.backoffBaseMs, attempt));
    }
  }
  return { reply: undefined, attempts, lastCode };
}
