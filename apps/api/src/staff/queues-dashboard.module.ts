import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { getQueueToken } from '@nestjs/bullmq';
import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { QueueName } from '@enclave/queue';
import type { Queue } from 'bullmq';
import type { Express, NextFunction, Request, Response } from 'express';
import { SESSION_COOKIE, SessionService } from '../auth/session.service';

/** Where staff find bull-board (the API's global prefix included). */
export const QUEUES_DASHBOARD_PATH = '/api/staff/queues';

function deny(response: Response, status: 401 | 403, code: string, message: string): void {
  response.status(status).json({ error: { code, message } });
}

/**
 * Express middleware in front of bull-board: the session cookie must belong to a staff member
 * (the same rule as StaffGuard, which does not run for routers mounted outside Nest's routing).
 */
export function staffOnlyMiddleware(sessions: () => SessionService) {
  return async (request: Request, response: Response, next: NextFunction): Promise<void> => {
    try {
      const token: unknown = request.cookies?.[SESSION_COOKIE];
      const auth =
        typeof token === 'string' && token.length > 0 && token.length <= 128 ? await sessions().resolve(token) : null;
      if (!auth) return deny(response, 401, 'unauthenticated', 'Sign in first.');
      if (!auth.user.isStaff) return deny(response, 403, 'staff_only', 'This is for Enclave staff only.');
      next();
    } catch (error) {
      next(error);
    }
  };
}

/**
 * bull-board's queue dashboard for staff: every control-plane queue, its jobs, retries and
 * failures. Mounted on the Express instance directly (not through @bull-board/nestjs, whose
 * hoisted @nestjs/bull-shared 12 is ESM-only and cannot be required under Jest on Node 20).
 */
@Module({})
export class QueuesDashboardModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(QUEUES_DASHBOARD_PATH);
    const queues = Object.values(QueueName).map(
      (name) => new BullMQAdapter(this.moduleRef.get<Queue>(getQueueToken(name), { strict: false })),
    );
    // @bull-board/express 9.10.1 pins its own @bull-board/api 9.10.1: same shape, another declaration.
    createBullBoard({
      queues,
      serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
      options: { uiConfig: { boardTitle: 'Enclave queues' } },
    });
    const app = this.adapterHost.httpAdapter.getInstance<Express>();
    app.use(
      QUEUES_DASHBOARD_PATH,
      staffOnlyMiddleware(() => this.moduleRef.get(SessionService, { strict: false })),
      serverAdapter.getRouter() as Express,
    );
  }
}
