import pino, { type Logger } from 'pino';
import { LOG_REDACT_PATHS, REDACTED, scrubDeep, scrubTokens } from '@enclave/secrets';

export type NodeLogger = Logger;

/**
 * pino with the shared redaction list plus a scrubber for token shapes inside strings.
 * Rule of the node: never log a secret or message text. Log ids, counts and codes.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): NodeLogger {
  return pino(
    {
      level,
      base: { svc: 'agent-node' },
      redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubTokens(a) : scrubDeep(a))) as typeof args;
          return method.apply(this, scrubbed);
        },
      },
      serializers: {
        err: (err: unknown) =>
          scrubDeep(
            err instanceof Error
              ? { type: err.name, message: err.message, code: (err as { code?: unknown }).code }
              : err,
          ),
      },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
