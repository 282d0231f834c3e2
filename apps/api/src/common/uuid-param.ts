import { Param, ParseUUIDPipe } from '@nestjs/common';
import { domainError, REQUEST_ERRORS } from '@enclave/platform';

/** A route parameter that must be a UUID; anything else is a 400 before any lookup. */
export const UuidParam = (name: string) =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        domainError(REQUEST_ERRORS.invalidId, {
          message: `Path parameter "${name}" must be a UUID.`,
          details: { param: name },
        }),
    }),
  );
