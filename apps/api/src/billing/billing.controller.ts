import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '@enclave/audit';
import type { UserEntity } from '@enclave/persistence';
import { Actor, CurrentUser, Public } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { BillingService } from './billing.service';
import { BillingStatusDto, PlansDto, RedirectDto, StartCheckoutDto } from './dto/billing.dto';

@ApiTags('billing')
@Controller()
export class BillingController {
  constructor(private readonly billing: BillingService) {}

  /** The plans on sale (public: the pricing page shows them before sign-in). */
  @Public()
  @Get('plans')
  @ApiOkResponse({ type: PlansDto })
  plans(): PlansDto {
    return this.billing.plans();
  }

  @Get('workspaces/:id/billing')
  @ApiOkResponse({ type: BillingStatusDto })
  status(@UuidParam('id') id: string, @CurrentUser() user: UserEntity): Promise<BillingStatusDto> {
    return this.billing.status(id, user.id);
  }

  /** Owner/admin: a Stripe Checkout Session for the plan; the browser goes to the returned URL. */
  @Post('workspaces/:id/checkout')
  @HttpCode(200)
  @ApiOkResponse({ type: RedirectDto })
  checkout(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Body() body: StartCheckoutDto,
    @Actor() actor: AuditActor,
  ): Promise<RedirectDto> {
    return this.billing.startCheckout(id, user, body.planId, actor);
  }

  /** Owner/admin: a Stripe customer portal session (card, invoices, cancellation). */
  @Post('workspaces/:id/billing-portal')
  @HttpCode(200)
  @ApiOkResponse({ type: RedirectDto })
  portal(
    @UuidParam('id') id: string,
    @CurrentUser() user: UserEntity,
    @Actor() actor: AuditActor,
  ): Promise<RedirectDto> {
    return this.billing.openPortal(id, user.id, actor);
  }
}
