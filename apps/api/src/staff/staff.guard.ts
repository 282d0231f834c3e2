import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { DomainError } from '@enclave/platform';
import type { AppRequest } from '../common/request-context';

/** Staff routes: signed in (SessionGuard) and flagged staff, else 403. */
@Injectable()
export class StaffGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AppRequest>();
    if (!request.auth?.user.isStaff)
      throw new DomainError('forbidden', 'staff_only', 'This is for Enclave staff only.');
    return true;
  }
}
