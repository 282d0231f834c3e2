/**
 * Services throw DomainError with a stable, machine-readable code; the global filter maps
 * the kind to an HTTP status. Services never throw HTTP exceptions themselves.
 *
 * Each module declares its errors once, with `defineErrors`, in a `<module>.errors.ts` next to
 * the code that throws them: the code, its kind (and so its HTTP status) and a default message.
 * Throwing sites only pick an entry: `throw domainError(WORKSPACE_ERRORS.notFound)`, optionally
 * with details or a more specific message. A code is never written a second time.
 */
export type DomainErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable';

/** What a module declares per error. */
export interface ErrorSpec {
  readonly kind: DomainErrorKind;
  readonly code: string;
  readonly message: string;
}

declare const declared: unique symbol;

/** An entry of a `defineErrors` catalogue; `domainError` accepts nothing else, so no code is made up at a throw site. */
export type DeclaredError<S extends ErrorSpec = ErrorSpec> = S & { readonly [declared]: true };

/** A module's error catalogue: `export const X_ERRORS = defineErrors({ notFound: { kind, code, message } })`. */
export function defineErrors<const T extends Record<string, ErrorSpec>>(
  catalog: T,
): { readonly [K in keyof T]: DeclaredError<T[K]> } {
  return Object.freeze(catalog) as unknown as { readonly [K in keyof T]: DeclaredError<T[K]> };
}

/** The code union of one or more catalogues, e.g. `ErrorCodeOf<typeof WORKSPACE_ERRORS>`. */
export type ErrorCodeOf<T extends Record<string, ErrorSpec>> = T[keyof T]['code'];

export interface DomainErrorOptions {
  /** A more specific message than the declared default (the code and kind stay as declared). */
  message?: string;
  details?: unknown;
}

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  readonly code: string;
  readonly details?: unknown;

  constructor(spec: DeclaredError, options: DomainErrorOptions = {}) {
    super(options.message ?? spec.message);
    this.name = 'DomainError';
    this.kind = spec.kind;
    this.code = spec.code;
    this.details = options.details;
  }
}

/** The one way to make a domain error: a declared entry, optionally with details or a more specific message. */
export function domainError(spec: DeclaredError, options?: DomainErrorOptions): DomainError {
  return new DomainError(spec, options);
}

/** True when `error` is a DomainError, and (given `spec`) the one declared by that entry. */
export function isDomainError(error: unknown, spec?: DeclaredError): error is DomainError {
  return error instanceof DomainError && (spec === undefined || error.code === spec.code);
}

export const HTTP_STATUS_BY_KIND: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
};
