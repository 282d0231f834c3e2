import { Controller, Get, HttpCode, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditService } from '@enclave/audit';
import { domainError } from '@enclave/platform';
import { UserEntity } from '@enclave/persistence';
import type { Response } from 'express';
import { DataSource, IsNull } from 'typeorm';
import { Public, SignedCaller } from '../common/request-context';
import { ACCOUNT_ERRORS } from './account.errors';
import { applyMarketingChoice } from './account.service';
import { TokenQueryDto } from './dto/account.dto';

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}</style></head><body>${body}</body></html>`;
}

/**
 * The unsubscribe link of marketing mail, usable without signing in: the random token in the
 * URL identifies the user and can do nothing but unsubscribe. GET shows a confirmation page (link
 * scanners that open URLs must not unsubscribe anyone); POST unsubscribes, from that page's form
 * or as RFC 8058's one-click POST (`List-Unsubscribe=One-Click`) that mail clients send from the
 * `List-Unsubscribe-Post` header. The POST is exempt from CrossSiteGuard (@SignedCaller): it
 * relies on no cookie, only on the token, and mail providers send it form-encoded from their servers.
 * Per-IP throttled like the sign-in routes.
 */
@ApiTags('account')
@Controller('unsubscribe')
@UseGuards(ThrottlerGuard)
export class UnsubscribeController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  @Public()
  @Get()
  async confirmPage(@Query() query: TokenQueryDto, @Res() response: Response): Promise<void> {
    await this.find(query.token);
    const action = `/api/unsubscribe?token=${encodeURIComponent(query.token)}`;
    response
      .status(200)
      .type('html')
      .send(
        page(
          'Unsubscribe from Enclave product news',
          `<h1>Unsubscribe from Enclave product news?</h1><p>You will still get the mail your account needs: sign-in links, billing and security notices.</p>
<form method="post" action="${action}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
        ),
      );
  }

  @SignedCaller()
  @Post()
  @HttpCode(200)
  async unsubscribe(@Query() query: TokenQueryDto, @Res() response: Response): Promise<void> {
    const user = await this.find(query.token);
    await this.dataSource.transaction(async (manager) => {
      const locked = await manager.findOneOrFail(UserEntity, {
        where: { id: user.id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!locked.marketingOptIn) return;
      applyMarketingChoice(locked, false);
      await manager.save(locked);
      await this.audit.record(manager, {
        actor: { type: 'user', id: locked.id },
        action: 'marketing.opted_out',
        target: { type: 'user', id: locked.id },
        details: { source: 'unsubscribe_link' },
      });
    });
    response
      .status(200)
      .type('html')
      .send(page('Unsubscribed', '<h1>You are unsubscribed</h1><p>You will get no more Enclave product news.</p>'));
  }

  private async find(token: string): Promise<UserEntity> {
    const user = await this.dataSource
      .getRepository(UserEntity)
      .findOneBy({ unsubscribeToken: token, deletedAt: IsNull() });
    if (!user) throw domainError(ACCOUNT_ERRORS.unsubscribeInvalid);
    return user;
  }
}
