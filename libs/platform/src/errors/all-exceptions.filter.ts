import {
  type ArgumentsHost,
  BadRequestException,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { ZodValidationException } from 'nestjs-zod';
import { ZodError } from 'zod';
import { DomainError, HTTP_STATUS_BY_KIND } from './domain-error';
import { errorBody, type ErrorBody } from './error-body';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** Maps every error to `{error: {code, message, details}}`; 5xx details stay in the log behind a request id. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request & { id?: string }>();
    const [status, body] = this.describe(exception, request);
    if (response.headersSent) return;
    response.status(status).json(body);
  }

  private describe(exception: unknown, request: Request & { id?: string }): [number, ErrorBody] {
    if (exception instanceof DomainError) {
      return [HTTP_STATUS_BY_KIND[exception.kind], errorBody(exception.code, exception.message, exception.details)];
    }
    if (exception instanceof ZodValidationException) {
      const zodError = exception.getZodError() as ZodError;
      return [400, errorBody('validation_failed', 'The request is not valid.', zodIssues(zodError))];
    }
    if (exception instanceof ThrottlerException) {
      return [429, errorBody('rate_limited', 'Too many requests; try again later.')];
    }
    // Nest turns body-parser's JSON SyntaxError into a bare BadRequestException.
    if (exception instanceof BadRequestException && exception.cause === undefined && /JSON/.test(exception.message)) {
      return [400, errorBody('malformed_json', 'The request body is not valid JSON.')];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? exception.message);
      return [
        status,
        errorBody(
          CODE_BY_STATUS[status] ?? `http_${status}`,
          Array.isArray(message) ? message.join('; ') : String(message),
        ),
      ];
    }
    // Other body-parser errors carry their own 4xx status (too large, bad charset).
    const parserError = exception as { status?: number; type?: string; expose?: boolean };
    if (parserError && typeof parserError.status === 'number' && parserError.status < 500 && parserError.expose) {
      return [
        parserError.status,
        errorBody(CODE_BY_STATUS[parserError.status] ?? 'bad_request', 'The request body was refused.', {
          reason: parserError.type,
        }),
      ];
    }
    const requestId = String(request.id ?? '');
    this.logger.error({ err: exception, requestId }, 'unhandled error');
    return [
      HttpStatus.INTERNAL_SERVER_ERROR,
      errorBody('internal_error', 'Something went wrong on our side.', { requestId }),
    ];
  }
}

function zodIssues(error: ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}
