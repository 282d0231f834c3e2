import { Param, ParseUUIDPipe } from '@nestjs/common';
import { DomainError } from '@enclave/platform';

/** A route parameter that must be a UUID; anything else is a 400 before any lookup. */
export const UuidParam = (name: string) =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        new DomainError('invalid', 'invalid_id', `Path parameter "${name}" must be a UUID.`, { param: name }),
    }),
  );
