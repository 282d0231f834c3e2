import { Injectable } from '@nestjs/common';
import { type AuditActor, AuditService } from '@enclave/audit';
import type { OwnerNotice } from '@enclave/mailer';
import { WorkspaceEntity } from '@enclave/persistence';
import type { EntityManager } from 'typeorm';
import type { AppliedEvent } from './billing-state.service';

/**
 * `checkout.session.async_payment_failed`: the delayed payment (a SEPA debit) a customer
 * authorised at checkout was refused or returned. The subscription is applied as Stripe reports
 * it like any event (its first invoice still open: nothing is fulfilled, the workspace stays
 * `pending_payment`); this records the failure in the audit log and says what to mail the owners.
 */
@Injectable()
export class AsyncPaymentFailureService {
  constructor(private readonly audit: AuditService) {}

  /** In the webhook's transaction (the workspace row is already locked); returns the notice to mail after commit. */
  async record(
    manager: EntityManager,
    workspaceId: string,
    refs: { checkoutSessionId: string | null; subscriptionId: string },
    event: AppliedEvent,
    actor: AuditActor,
  ): Promise<OwnerNotice> {
    const workspace = await manager.findOneByOrFail(WorkspaceEntity, { id: workspaceId });
    await this.audit.record(manager, {
      actor,
      action: 'billing.async_payment_failed',
      workspaceId,
      target: { type: 'stripe_subscription', id: refs.subscriptionId },
      outcome: 'failure',
      details: {
        checkoutSessionId: refs.checkoutSessionId,
        workspaceStatus: workspace.status,
        eventId: event.id,
        eventType: event.type,
      },
    });
    return { kind: 'first_payment_failed', workspace };
  }
}
