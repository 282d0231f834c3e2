import { Module } from '@nestjs/common';
import { WorkspaceAccessModule } from '../workspaces/workspace-access.module';
import { AsyncPaymentFailureService } from './async-payment-failure.service';
import { BillingStateService } from './billing-state.service';
import { BillingController } from './billing.controller';
import { BillingService } from './billing.service';
import { StripeWebhookController } from './stripe-webhook.controller';
import { StripeWebhookService } from './stripe-webhook.service';
import { StripeGateway } from './stripe.gateway';

/** Plans, Stripe Checkout and portal, and the Stripe webhook driving the subscription state machine. */
@Module({
  imports: [WorkspaceAccessModule],
  controllers: [BillingController, StripeWebhookController],
  providers: [StripeGateway, BillingService, BillingStateService, StripeWebhookService, AsyncPaymentFailureService],
  exports: [BillingService],
})
export class BillingModule {}
