import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AuditActor } from '@enclave/audit';
import { type OwnerNotice, OwnerNotifier } from '@enclave/mailer';
import { domainError } from '@enclave/platform';
import { BillingAccountEntity, StripeEventEntity } from '@enclave/persistence';
import type Stripe from 'stripe';
import { DataSource, type EntityManager } from 'typeorm';
import { z } from 'zod';
import { BILLING_ERRORS } from './billing.errors';
import { AsyncPaymentFailureService } from './async-payment-failure.service';
import { BillingStateService } from './billing-state.service';
import { StripeGateway } from './stripe.gateway';

/**
 * A Checkout Session's events. `completed` may come with `payment_status: "unpaid"` (a delayed
 * method such as SEPA Direct Debit still being collected); `async_payment_succeeded` / `_failed`
 * say how that payment ended. Each is applied like any event, from the subscription as Stripe
 * reports it now: its first invoice still open means not paid yet (`firstPaymentPending`).
 */
const CHECKOUT_SESSION_EVENT_TYPES: ReadonlySet<string> = new Set([
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
]);

/** Event types that move the state machine; every other type is recorded and ignored. */
export const HANDLED_EVENT_TYPES: ReadonlySet<string> = new Set([
  ...CHECKOUT_SESSION_EVENT_TYPES,
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'invoice.paid',
  'invoice.payment_failed',
]);

/** The envelope every Stripe event has; anything else is refused even when correctly signed. */
const eventEnvelope = z.object({
  id: z
    .string()
    .regex(/^evt_[A-Za-z0-9_]+$/)
    .max(255),
  type: z.string().min(1).max(255),
  created: z.number().int().positive(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

export interface WebhookResult {
  received: true;
  eventId: string;
  /** processed: applied; ignored: recorded without a change; duplicate: seen before, nothing done. */
  outcome: 'processed' | 'ignored' | 'duplicate';
}

interface EventRefs {
  customerId: string | null;
  subscriptionId: string | null;
  workspaceHint: string | null;
}

type Decision =
  | { outcome: 'processed'; workspaceId: string; notices: OwnerNotice[] }
  | { outcome: 'ignored'; workspaceId: string | null; note: string };

/**
 * Verified Stripe events in, state changes out. Each event is applied at most once: its id is
 * inserted first in the transaction that applies it (a concurrent duplicate waits on that row,
 * then finds it and does nothing). The subscription is always re-read from Stripe, with the
 * customer's account row locked, so the order in which events arrive does not matter.
 */
@Injectable()
export class StripeWebhookService {
  private readonly logger = new Logger(StripeWebhookService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly stripe: StripeGateway,
    private readonly state: BillingStateService,
    private readonly notifier: OwnerNotifier,
    private readonly asyncPaymentFailures: AsyncPaymentFailureService,
  ) {}

  async receive(rawBody: Buffer | undefined, signature: string | undefined, actor: AuditActor): Promise<WebhookResult> {
    const event = this.stripe.constructEvent(rawBody, signature);
    if (!eventEnvelope.safeParse(event).success)
      throw domainError(BILLING_ERRORS.webhookBodyInvalid, { message: 'The webhook body is not a Stripe event.' });

    const result = await this.dataSource.transaction(
      async (manager): Promise<{ outcome: WebhookResult['outcome']; notices: OwnerNotice[] }> => {
        const inserted = (await manager.query(
          `INSERT INTO stripe_events (id, type, stripe_created_at, outcome) VALUES ($1, $2, to_timestamp($3), 'processed') ON CONFLICT (id) DO NOTHING RETURNING id`,
          [event.id, event.type, event.created],
        )) as unknown[];
        if (inserted.length === 0) return { outcome: 'duplicate', notices: [] };
        const decision = await this.decide(manager, event, actor);
        await manager.update(
          StripeEventEntity,
          { id: event.id },
          decision.outcome === 'ignored'
            ? { outcome: 'ignored', note: decision.note, workspaceId: decision.workspaceId }
            : { workspaceId: decision.workspaceId },
        );
        return { outcome: decision.outcome, notices: decision.outcome === 'processed' ? decision.notices : [] };
      },
    );

    this.logger.log({ eventId: event.id, eventType: event.type, outcome: result.outcome }, 'stripe event');
    for (const notice of result.notices) await this.notifier.notify(notice);
    return { received: true, eventId: event.id, outcome: result.outcome };
  }

  private async decide(manager: EntityManager, event: Stripe.Event, actor: AuditActor): Promise<Decision> {
    if (!HANDLED_EVENT_TYPES.has(event.type))
      return { outcome: 'ignored', workspaceId: null, note: 'event type not handled' };
    const refs = refsOf(event);
    if (!refs.customerId || !refs.subscriptionId)
      return { outcome: 'ignored', workspaceId: null, note: 'no customer or subscription in the event' };

    const account = await manager
      .createQueryBuilder(BillingAccountEntity, 'a')
      .setLock('pessimistic_write')
      .where('a.stripe_customer_id = :customerId', { customerId: refs.customerId })
      .getOne();
    if (!account) return { outcome: 'ignored', workspaceId: null, note: 'customer unknown to Enclave' };
    if (refs.workspaceHint && refs.workspaceHint !== account.workspaceId) {
      return {
        outcome: 'ignored',
        workspaceId: account.workspaceId,
        note: 'workspace in metadata does not match the customer',
      };
    }

    // The subscription as it is now, not as it was when this (possibly late) event was sent.
    const subscription = await this.stripe.retrieveSubscription(refs.subscriptionId);
    if (!subscription)
      return { outcome: 'ignored', workspaceId: account.workspaceId, note: 'subscription unknown to Stripe' };
    if (idOf(subscription.customer) !== account.stripeCustomerId) {
      return { outcome: 'ignored', workspaceId: account.workspaceId, note: 'subscription belongs to another customer' };
    }
    const applied = { id: event.id, type: event.type, created: new Date(event.created * 1000) };
    const notices = await this.state.apply(manager, account, subscription, applied, actor);
    if (event.type === 'checkout.session.async_payment_failed') {
      const refs = { checkoutSessionId: idOf(field(event.data.object, 'id')), subscriptionId: subscription.id };
      notices.push(await this.asyncPaymentFailures.record(manager, account.workspaceId, refs, applied, actor));
    }
    return { outcome: 'processed', workspaceId: account.workspaceId, notices };
  }
}

function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0 && value.length <= 255) return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string')
    return (value as { id: string }).id;
  return null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= 255 ? value : null;
}

function field(object: unknown, ...path: string[]): unknown {
  let current = object;
  for (const key of path) {
    if (!current || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Who an event is about. Read defensively: a signed event is authentic, not necessarily well-formed. */
export function refsOf(event: Stripe.Event): EventRefs {
  const object: unknown = event.data.object;
  if (CHECKOUT_SESSION_EVENT_TYPES.has(event.type)) {
    if (field(object, 'mode') !== 'subscription')
      return { customerId: null, subscriptionId: null, workspaceHint: null };
    return {
      customerId: idOf(field(object, 'customer')),
      subscriptionId: idOf(field(object, 'subscription')),
      workspaceHint: text(field(object, 'client_reference_id')) ?? text(field(object, 'metadata', 'workspace_id')),
    };
  }
  if (event.type.startsWith('customer.subscription.')) {
    return {
      customerId: idOf(field(object, 'customer')),
      subscriptionId: idOf(field(object, 'id')),
      workspaceHint: text(field(object, 'metadata', 'workspace_id')),
    };
  }
  if (event.type.startsWith('invoice.')) {
    return {
      customerId: idOf(field(object, 'customer')),
      subscriptionId: idOf(field(object, 'parent', 'subscription_details', 'subscription')),
      workspaceHint: text(field(object, 'parent', 'subscription_details', 'metadata', 'workspace_id')),
    };
  }
  return { customerId: null, subscriptionId: null, workspaceHint: null };
}
