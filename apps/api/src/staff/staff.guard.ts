import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { domainError } from '@enclave/platform';
import type { AppRequest } from '../common/request-context';
import { STAFF_ERRORS } from './staff.errors';

/** Staff routes: signed in (SessionGuard) and flagged staff, else 403. */
@Injectable()
export class StaffGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AppRequest>();
    if (!request.auth?.user.isStaff) throw domainError(STAFF_ERRORS.staffOnly);
    return true;
  }
}
