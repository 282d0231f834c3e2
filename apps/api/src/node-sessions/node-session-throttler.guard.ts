import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AppRequest } from '../common/request-context';

/** Node sessions per signed-in user and minute: a page renews about every 13 minutes, so this is ample. */
export const NODE_SESSIONS_PER_MINUTE = 30;

/**
 * Rate limits by signed-in user rather than by IP: a whole team behind one office address opens
 * the inbox together. The global SessionGuard runs first, so the user is known here.
 */
@Injectable()
export class NodeSessionThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as AppRequest;
    return Promise.resolve(request.auth ? `user:${request.auth.user.id}` : `ip:${request.ip ?? 'unknown'}`);
  }
}
