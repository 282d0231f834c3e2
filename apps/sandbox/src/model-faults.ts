import type { Router } from 'express';

/**
 * Switches the model stand-ins share: added latency, the next N requests failing with a status
 * (and, when `failMessage` is set, that error message: a provider or proxy echoing what it got,
 * key or prompt, in the provider's own error shape), and the pause between two events of a
 * streamed reply.
 */
export interface ModelFaults {
  latencyMs: number;
  failNext: number;
  failStatus: number;
  failMessage: string | null;
  chunkDelayMs: number;
}

/** Streamed replies pause this long between events unless a test sets `chunkDelayMs`. */
export const DEFAULT_CHUNK_DELAY_MS = 5;

export function normalFaults(defaultFailStatus: number): ModelFaults {
  return {
    latencyMs: 0,
    failNext: 0,
    failStatus: defaultFailStatus,
    failMessage: null,
    chunkDelayMs: DEFAULT_CHUNK_DELAY_MS,
  };
}

/** Mounts `POST /_test/faults` (set some switches) and `DELETE /_test/faults` (back to normal) over the live switches. */
export function mountFaultSwitches(router: Router, faults: ModelFaults, defaultFailStatus: number): void {
  router.post('/_test/faults', (req, res) => {
    const body = (req.body ?? {}) as Partial<Record<keyof ModelFaults, unknown>>;
    for (const key of ['latencyMs', 'failNext', 'failStatus', 'chunkDelayMs'] as const) {
      if (Number.isInteger(body[key])) faults[key] = body[key] as number;
    }
    if (typeof body.failMessage === 'string') faults.failMessage = body.failMessage;
    res.json(faults);
  });
  router.delete('/_test/faults', (_req, res) => {
    Object.assign(faults, normalFaults(defaultFailStatus));
    res.json(faults);
  });
}
