import { Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { CONFIG } from '../config/config.module';
import type { ControlPlaneConfig } from '../config/config.schema';
import { REDACT_PATHS, scrubSecrets } from './redaction';

let destinationForTests: DestinationStream | undefined;

/**
 * Test-only: send every log line of applications created from now on to `stream` instead of
 * stdout (e.g. to scan captured logs for secrets). `undefined` restores stdout.
 */
export function setLogDestinationForTests(stream: DestinationStream | undefined): void {
  destinationForTests = stream;
}

/** pino for every log line, with a request id per request and the redaction list applied. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [CONFIG],
      useFactory: (config: ControlPlaneConfig) => {
        const pinoHttp = {
          level: config.LOG_LEVEL,
          redact: { paths: REDACT_PATHS, censor: '[redacted]' },
          genReqId: (req: IncomingMessage) => {
            const incoming = req.headers['x-request-id'];
            return typeof incoming === 'string' && /^[\w-]{8,64}$/.test(incoming) ? incoming : randomUUID();
          },
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({
              id: req.id,
              method: req.method,
              url: scrubSecrets(req.url),
            }),
          },
          autoLogging: { ignore: (req: IncomingMessage) => req.url === '/api/health' },
          hooks: {
            logMethod(args: unknown[], method: (...a: unknown[]) => void) {
              method.apply(
                this,
                args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg)),
              );
            },
          },
        };
        return { pinoHttp: destinationForTests ? ([pinoHttp, destinationForTests] as const) : pinoHttp };
      },
    }),
  ],
})
export class LoggingModule {}
