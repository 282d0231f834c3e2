import { defineErrors } from './domain-error';

/** Errors about the request itself rather than any module's rules; the global filter answers with these too. */
export const REQUEST_ERRORS = defineErrors({
  validationFailed: { kind: 'invalid', code: 'validation_failed', message: 'The request is not valid.' },
  malformedJson: { kind: 'invalid', code: 'malformed_json', message: 'The request body is not valid JSON.' },
  /** body-parser would decode the bad bytes to U+FFFD and store them as such; refused instead. */
  malformedUtf8: { kind: 'invalid', code: 'malformed_utf8', message: 'The request body is not valid UTF-8.' },
  invalidId: { kind: 'invalid', code: 'invalid_id', message: 'A path parameter must be a UUID.' },
  rateLimited: { kind: 'rate_limited', code: 'rate_limited', message: 'Too many requests; try again later.' },
});
