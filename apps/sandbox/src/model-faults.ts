import type { Router } from 'express';

/** Switches the model stand-ins share: added latency, and the next N requests failing with a status. */
export interface ModelFaults {
  latencyMs: number;
  failNext: number;
  failStatus: number;
}

export function normalFaults(defaultFailStatus: number): ModelFaults {
  return { latencyMs: 0, failNext: 0, failStatus: defaultFailStatus };
}

/** Mounts `POST /_test/faults` (set some switches) and `DELETE /_test/faults` (back to normal) over the live switches. */
export function mountFaultSwitches(router: Router, faults: ModelFaults, defaultFailStatus: number): void {
  router.post('/_test/faults', (req, res) => {
    const body = (req.body ?? {}) as Partial<Record<keyof ModelFaults, unknown>>;
    for (const key of ['latencyMs', 'failNext', 'failStatus'] as const) {
      if (Number.isInteger(body[key])) faults[key] = body[key] as number;
    }
    res.json(faults);
  });
  router.delete('/_test/faults', (_req, res) => {
    Object.assign(faults, normalFaults(defaultFailStatus));
    res.json(faults);
  });
}
