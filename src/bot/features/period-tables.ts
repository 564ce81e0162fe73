/**
 * /daily, /weekly and /monthly [agent] [n]: PnL, trades and win rate per UTC day, ISO week or
 * month, as a monospace table with a 🔄 Refresh button that redraws it in place. The button
 * carries the asker (only they may press it: owned-callback.ts), the unit, the count and the agent
 * id; pressing it re-checks that the agent is the presser's.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { PeriodUnit } from '../../hub/analytics/periods.js';
import { isUuid } from '../../hub/ids.js';
import { buttonTarget, countError, parseRefAndCount, reportTarget, type ReportTarget } from '../command-args.js';
import { periodText } from '../analytics-text.js';
import type { BotContext } from '../context.js';
import { editInPlace } from '../edit-in-place.js';
import { base36Part, ownedCallbackData, ownedPress } from '../owned-callback.js';
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

const PREFIX = 'pd';
const ALL_AGENTS = '*';
const UNIT_CODE: Record<PeriodUnit, string> = { day: 'd', week: 'w', month: 'm' };
const CODE_UNIT: Record<string, PeriodUnit | undefined> = { d: 'day', w: 'week', m: 'month' };
const STALE_BUTTON = 'This button is out of date. Send the command again.';

/** `pd:<asker>:<unit>:<n>:<agent id or *>` (owned-callback.ts; at most 51 bytes of Telegram's 64). */
export function refreshData(asker: number, unit: PeriodUnit, count: number, agentId?: string): string {
  return ownedCallbackData(PREFIX, asker, [UNIT_CODE[unit], count, agentId ?? ALL_AGENTS]);
}

/** What a Refresh button's parts name, or null when they are not ones this feature made. */
function refreshOf(parts: string[]): { spec: PeriodCommand; count: number; agentId: string | undefined } | null {
  const [code, n, agent, ...rest] = parts;
  const unit = CODE_UNIT[code ?? ''];
  const count = base36Part(n);
  if (rest.length || !unit || count === null || !agent || (agent !== ALL_AGENTS && !isUuid(agent))) return null;
  const spec = PERIOD_COMMANDS[unit];
  if (count < 1 || count > spec.maxCount) return null;
  return { spec, count, agentId: agent === ALL_AGENTS ? undefined : agent };
}

export function createPeriodTablesFeature(services: BotServices): Composer<BotContext> {
  const { hub, clock } = services;
  const composer = new Composer<BotContext>();

  async function table(ctx: BotContext, spec: PeriodCommand, count: number, target: ReportTarget): Promise<[string, InlineKeyboard]> {
    const rows = await hub.analytics.periods(ctx.trader!.id, spec.unit, count, clock(), { agentId: target.agentId });
    return [
      periodText(spec.unit, target.label, rows),
      new InlineKeyboard().text('🔄 Refresh', refreshData(ctx.from!.id, spec.unit, count, target.agentId)),
    ];
  }

  for (const spec of Object.values(PERIOD_COMMANDS)) {
    composer.command(spec.command, async (ctx) => {
      const example = `/${spec.command} ${spec.defaultCount} (or /${spec.command} btc-bot ${spec.defaultCount} for one agent).`;
      const range = { min: 1, max: spec.maxCount };
      const args = parseRefAndCount(ctx.match, range);
      if ('badCount' in args) return ctx.reply(countError(spec.noun, range, example));
      const target = await reportTarget(services, ctx, args.ref);
      const [text, keyboard] = await table(ctx, spec, args.count ?? spec.defaultCount, target);
      await ctx.reply(text, { ...html, reply_markup: keyboard });
    });
  }

  composer.callbackQuery(/^pd:/, async (ctx) => {
    const press = await ownedPress(ctx, PREFIX, refreshOf, STALE_BUTTON);
    if (!press) return;
    const { spec, count, agentId } = press.value;
    const target = await buttonTarget(services, ctx, agentId);
    if (!target) return ctx.answerCallbackQuery({ text: 'That agent does not exist (any more).', show_alert: true });
    const [text, keyboard] = await table(ctx, spec, count, target);
    await ctx.answerCallbackQuery('Refreshed');
    await editInPlace(ctx, text, { ...html, reply_markup: keyboard });
  });
  return composer;
}
