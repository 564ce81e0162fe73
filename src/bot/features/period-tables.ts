/**
 * /daily, /weekly and /monthly [agent] [n]: PnL, trades and win rate per UTC day, ISO week or
 * month, as a monospace table with a 🔄 Refresh button that redraws it in place. The button
 * carries the unit, the count and the agent id; pressing it re-checks that the agent is the
 * presser's.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { PeriodUnit } from '../../hub/analytics/periods.js';
import { buttonTarget, parseRefAndCount, reportTarget, type ReportTarget } from '../analytics-args.js';
import { periodText } from '../analytics-text.js';
import type { BotContext } from '../context.js';
import { editInPlace } from '../edit-in-place.js';
import type { BotServices } from '../services.js';

const html = { parse_mode: 'HTML' as const };

interface PeriodCommand {
  unit: PeriodUnit;
  command: string;
  noun: string;
  /** Rows when no count is given; the most one message holds with room to spare (test/bot/analytics-text.test.ts). */
  defaultCount: number;
  maxCount: number;
}

export const PERIOD_COMMANDS: Record<PeriodUnit, PeriodCommand> = {
  day: { unit: 'day', command: 'daily', noun: 'days', defaultCount: 7, maxCount: 60 },
  week: { unit: 'week', command: 'weekly', noun: 'weeks', defaultCount: 8, maxCount: 52 },
  month: { unit: 'month', command: 'monthly', noun: 'months', defaultCount: 6, maxCount: 36 },
};

const UNIT_CODE: Record<PeriodUnit, string> = { day: 'd', week: 'w', month: 'm' };
const CODE_UNIT: Record<string, PeriodUnit> = { d: 'day', w: 'week', m: 'month' };

/** `pd:<unit>:<n>[:<agent id>]` (at most 45 bytes of Telegram's 64). */
export function refreshData(unit: PeriodUnit, count: number, agentId?: string): string {
  return `pd:${UNIT_CODE[unit]}:${count}${agentId ? `:${agentId}` : ''}`;
}

export function createPeriodTablesFeature(services: BotServices): Composer<BotContext> {
  const { hub, clock } = services;
  const composer = new Composer<BotContext>();

  async function table(ctx: BotContext, spec: PeriodCommand, count: number, target: ReportTarget): Promise<[string, InlineKeyboard]> {
    const rows = await hub.analytics.periods(ctx.trader!.id, spec.unit, count, clock(), { agentId: target.agentId });
    return [
      periodText(spec.unit, target.label, rows),
      new InlineKeyboard().text('🔄 Refresh', refreshData(spec.unit, count, target.agentId)),
    ];
  }

  for (const spec of Object.values(PERIOD_COMMANDS)) {
    composer.command(spec.command, async (ctx) => {
      const example = `/${spec.command} ${spec.defaultCount} (or /${spec.command} btc-bot ${spec.defaultCount} for one agent).`;
      const args = parseRefAndCount(ctx.match, { noun: spec.noun, min: 1, max: spec.maxCount, example });
      if ('error' in args) return ctx.reply(`⚠️ ${args.error}`);
      const target = await reportTarget(services, ctx, args.ref);
      const [text, keyboard] = await table(ctx, spec, args.count ?? spec.defaultCount, target);
      await ctx.reply(text, { ...html, reply_markup: keyboard });
    });
  }

  composer.callbackQuery(/^pd:([dwm]):(\d{1,3})(?::([0-9a-f-]{36}))?$/, async (ctx) => {
    const [, code, n, agentId] = ctx.match as unknown as [string, string, string, string | undefined];
    const spec = PERIOD_COMMANDS[CODE_UNIT[code]!];
    const count = Number(n);
    if (count < 1 || count > spec.maxCount) return ctx.answerCallbackQuery({ text: `Send /${spec.command} again.`, show_alert: true });
    const target = await buttonTarget(services, ctx, agentId);
    if (!target) return ctx.answerCallbackQuery({ text: 'That agent does not exist (any more).', show_alert: true });
    const [text, keyboard] = await table(ctx, spec, count, target);
    await ctx.answerCallbackQuery('Refreshed');
    await editInPlace(ctx, text, { ...html, reply_markup: keyboard });
  });
  return composer;
}
