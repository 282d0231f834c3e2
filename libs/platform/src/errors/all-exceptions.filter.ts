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
import { DomainError, domainError, HTTP_STATUS_BY_KIND } from './domain-error';
import { errorBody, type ErrorBody } from './error-body';
import { REQUEST_ERRORS } from './request.errors';

/** Codes for errors that are not DomainErrors (Nest's own HTTP exceptions, body-parser refusals). */
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
  429: REQUEST_ERRORS.rateLimited.code,
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
    if (exception instanceof DomainError) return domainResponse(exception);
    if (exception instanceof ZodValidationException) {
      const zodError = exception.getZodError() as ZodError;
      return domainResponse(domainError(REQUEST_ERRORS.validationFailed, { details: zodIssues(zodError) }));
    }
    if (exception instanceof ThrottlerException) return domainResponse(domainError(REQUEST_ERRORS.rateLimited));
    // Nest turns body-parser's JSON SyntaxError into a bare BadRequestException.
    if (exception instanceof BadRequestException && exception.cause === undefined && /JSON/.test(exception.message)) {
      return domainResponse(domainError(REQUEST_ERRORS.malformedJson));
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
        errorBody(CODE_BY_STATUS[parserError.status] ?? CODE_BY_STATUS[400], 'The request body was refused.', {
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

function domainResponse(error: DomainError): [number, ErrorBody] {
  return [HTTP_STATUS_BY_KIND[error.kind], errorBody(error.code, error.message, error.details)];
}

function zodIssues(error: ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}
