import { Module } from '@nestjs/common';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { BillingNotifier } from './billing-notifier';
import { BillingStateService } from './billing-state.service';
import { BillingController } from './billing.controller';
import { BillingService } from './billing.service';
import { StripeWebhookController } from './stripe-webhook.controller';
import { StripeWebhookService } from './stripe-webhook.service';
import { StripeGateway } from './stripe.gateway';

/** Plans, Stripe Checkout and portal, and the Stripe webhook driving the subscription state machine. */
@Module({
  imports: [WorkspacesModule],
  controllers: [BillingController, StripeWebhookController],
  providers: [StripeGateway, BillingService, BillingStateService, StripeWebhookService, BillingNotifier],
})
export class BillingModule {}
