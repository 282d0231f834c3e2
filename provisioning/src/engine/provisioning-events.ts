import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import Redis from 'ioredis';

/** A step or run changed: what the live progress view and the SSE stream show. */
export interface ProvisioningEvent {
  readonly workspaceId: string;
  readonly runId: string;
  readonly action: 'provision' | 'deprovision';
  /** Step name, or null for a change of the run itself. */
  readonly step: string | null;
  readonly status: string;
  readonly attempts: number;
  readonly error: string | null;
  readonly at: string;
}

/**
 * Step changes over Redis pub/sub, so every API replica sees what any worker does. Events are
 * hints for live views; Postgres stays the truth (the API sends a snapshot first).
 */
@Injectable()
export class ProvisioningEventBus implements OnModuleDestroy {
  private publisher: Redis | undefined;
  private subscriber: Redis | undefined;
  private readonly listeners = new Set<(event: ProvisioningEvent) => void>();

  constructor(@Inject(CONFIG) private readonly config: ControlPlaneConfig) {}

  private get channel(): string {
    return `${this.config.REDIS_PREFIX}:provisioning:events`;
  }

  async publish(event: ProvisioningEvent): Promise<void> {
    this.publisher ??= new Redis(this.config.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false });
    try {
      await this.publisher.publish(this.channel, JSON.stringify(event));
    } catch {
      // Live view only; the state is in Postgres.
    }
  }

  /** Calls `listener` for every event; returns the unsubscribe function. */
  async subscribe(listener: (event: ProvisioningEvent) => void): Promise<() => void> {
    if (!this.subscriber) {
      const subscriber = new Redis(this.config.REDIS_URL, { maxRetriesPerRequest: null });
      this.subscriber = subscriber;
      subscriber.on('message', (_channel: string, message: string) => {
        let event: ProvisioningEvent;
        try {
          event = JSON.parse(message) as ProvisioningEvent;
        } catch {
          return;
        }
        for (const each of this.listeners) each(event);
      });
      await subscriber.subscribe(this.channel);
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async onModuleDestroy(): Promise<void> {
    this.listeners.clear();
    this.publisher?.disconnect();
    this.subscriber?.disconnect();
  }
}
