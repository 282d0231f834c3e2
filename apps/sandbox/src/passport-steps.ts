/** Drives a passport strategy without an HTTP server, for the specs of the OAuth stand-ins. */

export interface FakeRequest {
  query: Record<string, string>;
  session: Record<string, unknown>;
  url: string;
  headers: Record<string, string>;
}

export type Outcome =
  | { kind: 'redirect'; url: string }
  | { kind: 'success'; user: unknown; info: unknown }
  | { kind: 'fail' | 'error'; detail: unknown };

/** Runs one passport authenticate() step and reports what the strategy decided. */
export function runStrategy(strategy: object, req: FakeRequest): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = Object.create(strategy) as Record<string, unknown> & {
      authenticate(req: never, options: object): void;
    };
    s.redirect = (url: string) => resolve({ kind: 'redirect', url });
    s.success = (user: unknown, info: unknown) => resolve({ kind: 'success', user, info });
    s.fail = (detail: unknown) => resolve({ kind: 'fail', detail });
    s.error = (detail: unknown) => resolve({ kind: 'error', detail });
    s.authenticate(req as never, {});
  });
}
