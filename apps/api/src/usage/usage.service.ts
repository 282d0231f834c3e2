import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import type { UsageDto } from './usage.dto';

interface Row {
  day: string;
  channel: 'telegram' | 'whatsapp' | 'model' | 'inbox' | 'api' | 'web';
  inbound: number;
  outbound: number;
  failures: number;
  provider_errors: number;
  fallback_replies: number;
  handoffs: number;
  human_replies: number;
  window_closed: number;
  tokens_in: string;
  tokens_out: string;
}

/** The dashboard's usage chart: one point per UTC day (zeros included), oldest first; inbox counts included. */
@Injectable()
export class UsageService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: WorkspaceAccessService,
  ) {}

  async series(workspaceId: string, userId: string, days: number, now = new Date()): Promise<UsageDto> {
    await this.access.require(workspaceId, userId, 'member');
    const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const start = new Date(end.getTime() - (days - 1) * 86_400_000);
    const rows = (await this.dataSource.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, channel, inbound, outbound, failures, provider_errors, fallback_replies,
              handoffs, human_replies, window_closed, tokens_in, tokens_out
         FROM usage_daily WHERE workspace_id = $1 AND day BETWEEN $2::date AND $3::date`,
      [workspaceId, start.toISOString().slice(0, 10), end.toISOString().slice(0, 10)],
    )) as Row[];
    const points = new Map<string, UsageDto['series'][number]>();
    for (let t = start.getTime(); t <= end.getTime(); t += 86_400_000) {
      const day = new Date(t).toISOString().slice(0, 10);
      points.set(day, {
        day,
        telegram: { inbound: 0, outbound: 0, failures: 0 },
        whatsapp: { inbound: 0, outbound: 0, failures: 0 },
        providerErrors: 0,
        fallbackReplies: 0,
        handoffs: 0,
        humanReplies: 0,
        windowClosed: 0,
        api: { requests: 0, failures: 0, tokensIn: 0, tokensOut: 0 },
      });
    }
    for (const row of rows) {
      const point = points.get(row.day);
      if (!point) continue;
      if (row.channel === 'model') {
        point.providerErrors += Number(row.provider_errors);
        point.fallbackReplies += Number(row.fallback_replies);
      } else if (row.channel === 'inbox') {
        point.handoffs += Number(row.handoffs);
        point.humanReplies += Number(row.human_replies);
      } else if (row.channel === 'api') {
        point.api = {
          requests: Number(row.inbound),
          failures: Number(row.failures),
          tokensIn: Number(row.tokens_in),
          tokensOut: Number(row.tokens_out),
        };
      } else if (row.channel === 'telegram' || row.channel === 'whatsapp') {
        if (row.channel === 'whatsapp') point.windowClosed += Number(row.window_closed);
        point[row.channel] = {
          inbound: Number(row.inbound),
          outbound: Number(row.outbound),
          failures: Number(row.failures),
        };
      }
    }
    const series = [...points.values()];
    const sum = (pick: (p: UsageDto['series'][number]) => number) => series.reduce((total, p) => total + pick(p), 0);
    return {
      days,
      from: start.toISOString().slice(0, 10),
      to: end.toISOString().slice(0, 10),
      series,
      totals: {
        inbound: sum((p) => p.telegram.inbound + p.whatsapp.inbound),
        outbound: sum((p) => p.telegram.outbound + p.whatsapp.outbound),
        failures: sum((p) => p.telegram.failures + p.whatsapp.failures),
        providerErrors: sum((p) => p.providerErrors),
        fallbackReplies: sum((p) => p.fallbackReplies),
        handoffs: sum((p) => p.handoffs),
        humanReplies: sum((p) => p.humanReplies),
        windowClosed: sum((p) => p.windowClosed),
        api: {
          requests: sum((p) => p.api.requests),
          failures: sum((p) => p.api.failures),
          tokensIn: sum((p) => p.api.tokensIn),
          tokensOut: sum((p) => p.api.tokensOut),
        },
      },
    };
  }
}
