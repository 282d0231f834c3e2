import { NODE_ROUTES, setRetentionRequestSchema } from '@enclave/node-protocol';
import type { Capability, CapabilityRoute, NodeContext } from '../capability';
import { parseJsonBody } from '../http/http-server';
import { COUNTER, counted, type CounterSnapshot } from '../storage/counters.repository';
import { RetentionRepository } from './retention.repository';
import { RetentionService } from './retention.service';

/** The retention window: a nightly purge of what is older, set by the control plane. */
export class RetentionCapability implements Capability {
  readonly name = 'retention';
  readonly service: RetentionService;

  constructor(ctx: NodeContext) {
    this.service = new RetentionService(
      new RetentionRepository(ctx.db),
      ctx.transaction,
      ctx.settings,
      ctx.counters,
      ctx.cfg.retention,
      ctx.logger,
    );
  }

  routes(): CapabilityRoute[] {
    return [
      {
        signed: true,
        ...NODE_ROUTES.setRetention,
        handler: (ctx) => {
          const { days } = parseJsonBody(ctx, setRetentionRequestSchema);
          this.service.setDays(days);
          return { status: 200, json: { days } };
        },
      },
    ];
  }

  schedule(): void {
    this.service.start();
  }

  stop(): void {
    this.service.stop();
  }

  heartbeat(counters: CounterSnapshot) {
    return {
      retention: {
        days: this.service.days(),
        lastPurgeAt: this.service.lastPurgeAt(),
        purgedMessages: counted(counters, COUNTER.purgedMessages),
        purgedConversations: counted(counters, COUNTER.purgedConversations),
      },
    };
  }
}
