import type { ArgumentsHost } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { defineErrors, DomainError, domainError, HTTP_STATUS_BY_KIND, isDomainError } from './domain-error';
import { REQUEST_ERRORS } from './request.errors';

const SAMPLE_ERRORS = defineErrors({
  notFound: { kind: 'not_found', code: 'sample_not_found', message: 'No such sample.' },
  busy: { kind: 'conflict', code: 'sample_busy', message: 'The sample is busy.' },
});

function respond(exception: unknown): { status: number; body: unknown } {
  const sent: { status: number; body: unknown } = { status: 0, body: undefined };
  const response = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
    },
  };
  const host = {
    switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({ id: 'req-1' }) }),
  } as unknown as ArgumentsHost;
  new AllExceptionsFilter().catch(exception, host);
  return sent;
}

describe('domain errors', () => {
  it('take kind, code and default message from the declared entry', () => {
    const error = domainError(SAMPLE_ERRORS.notFound);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: 'not_found', code: 'sample_not_found', message: 'No such sample.' });
    expect(error.details).toBeUndefined();
  });

  it('may carry details and a more specific message, never another code or kind', () => {
    const error = domainError(SAMPLE_ERRORS.busy, { message: 'Sample 7 is busy.', details: { id: 7 } });
    expect(error).toMatchObject({
      kind: 'conflict',
      code: 'sample_busy',
      message: 'Sample 7 is busy.',
      details: { id: 7 },
    });
  });

  it('isDomainError matches any domain error, or only the given entry', () => {
    const error = domainError(SAMPLE_ERRORS.busy);
    expect(isDomainError(error)).toBe(true);
    expect(isDomainError(error, SAMPLE_ERRORS.busy)).toBe(true);
    expect(isDomainError(error, SAMPLE_ERRORS.notFound)).toBe(false);
    expect(isDomainError(new Error('busy'))).toBe(false);
  });

  it('the filter answers with the kind’s status and {error: {code, message, details}}', () => {
    expect(respond(domainError(SAMPLE_ERRORS.busy, { details: { id: 7 } }))).toEqual({
      status: HTTP_STATUS_BY_KIND.conflict,
      body: { error: { code: 'sample_busy', message: 'The sample is busy.', details: { id: 7 } } },
    });
    expect(respond(domainError(SAMPLE_ERRORS.notFound))).toEqual({
      status: 404,
      body: { error: { code: 'sample_not_found', message: 'No such sample.' } },
    });
  });

  it('the filter answers throttling with the declared rate_limited entry', () => {
    expect(respond(new ThrottlerException())).toEqual({
      status: 429,
      body: { error: { code: REQUEST_ERRORS.rateLimited.code, message: REQUEST_ERRORS.rateLimited.message } },
    });
  });
});
