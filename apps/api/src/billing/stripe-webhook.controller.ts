import { Controller, Headers, HttpCode, Post, type RawBodyRequest, Req } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '@enclave/audit';
import { type AppRequest, SignedCaller } from '../common/request-context';
import type { WebhookResultDto } from './dto/billing.dto';
import { StripeWebhookService } from './stripe-webhook.service';

@ApiTags('billing')
@Controller('stripe')
export class StripeWebhookController {
  constructor(private readonly webhooks: StripeWebhookService) {}

  /**
   * Stripe's deliveries. Public, authenticated by the `Stripe-Signature` over the exact raw
   * body. 400 (nothing changed) when the signature or body is bad; 2xx for every verified
   * event, including repeats and types we ignore, so Stripe stops redelivering them.
   */
  @SignedCaller()
  @Post('webhook')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  receive(
    @Req() request: RawBodyRequest<AppRequest>,
    @Headers('stripe-signature') signature: string | undefined,
  ): Promise<WebhookResultDto> {
    const actor: AuditActor = {
      type: 'webhook',
      id: 'stripe',
      ip: request.ip ?? null,
      userAgent: request.get('user-agent') ?? null,
    };
    return this.webhooks.receive(request.rawBody, signature, actor);
  }
}
