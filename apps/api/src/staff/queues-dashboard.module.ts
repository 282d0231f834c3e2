import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { getQueueToken } from '@nestjs/bullmq';
import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { CONFIG, type ControlPlaneConfig, type DeclaredError, errorBody, HTTP_STATUS_BY_KIND } from '@enclave/platform';
import { connectionStatus, QUEUE_ERRORS, QueueName } from '@enclave/queue';
import type { Queue } from 'bullmq';
import type { Express, NextFunction, Request, Response } from 'express';
import { AUTH_ERRORS } from '../auth/auth.errors';
import { crossSiteRefusal } from '../auth/cross-site.guard';
import { SessionService } from '../auth/session.service';
import { STAFF_ERRORS } from './staff.errors';

/** Where staff find bull-board (the API's global prefix included). */
export const QUEUES_DASHBOARD_PATH = '/api/staff/queues';

/** Answers as the global filter would for the same DomainError (the middleware runs outside Nest's filters). */
function deny(response: Response, spec: DeclaredError): void {
  response.status(HTTP_STATUS_BY_KIND[spec.kind]).json(errorBody(spec.code, spec.message));
}

/**
 * Express middleware in front of bull-board: the session cookie must belong to a staff member
 * and a state-changing request must come from the dashboard's origin (the same rules as StaffGuard
 * and CrossSiteGuard, which do not run for routers mounted outside Nest's routing).
 */
export function staffOnlyMiddleware(sessions: () => SessionService, dashboardOrigin: string) {
  return async (request: Request, response: Response, next: NextFunction): Promise<void> => {
    try {
      const refusal = crossSiteRefusal(request.method, request.headers, dashboardOrigin);
      if (refusal) return deny(response, refusal);
      const token = sessions().tokenOf(request.cookies);
      const auth = token ? await sessions().resolve(token) : null;
      if (!auth) return deny(response, AUTH_ERRORS.unauthenticated);
      if (!auth.user.isStaff) return deny(response, STAFF_ERRORS.staffOnly);
      next();
    } catch (error) {
      next(error);
    }
  };
}

/**
 * bull-board reads nothing but Redis: while Redis is away it answers 503 `redis_unavailable` at
 * once (the queues' connection would fail each command anyway) instead of a page of errors.
 */
export function redisRequiredMiddleware(queue: () => Queue) {
  return async (_request: Request, response: Response, next: NextFunction): Promise<void> => {
    if ((await connectionStatus(queue())) !== 'ready') return deny(response, QUEUE_ERRORS.redisUnavailable);
    next();
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
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
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
      staffOnlyMiddleware(
        () => this.moduleRef.get(SessionService, { strict: false }),
        new URL(this.config.PUBLIC_URL).origin,
      ),
      redisRequiredMiddleware(() => this.moduleRef.get<Queue>(getQueueToken(QueueName.System), { strict: false })),
      serverAdapter.getRouter() as Express,
    );
  }
}
