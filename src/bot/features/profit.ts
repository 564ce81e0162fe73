/**
 * /profit [agent] [days], /stats [agent] and /performance [agent]: the caller's realised results,
 * computed by hub.analytics over their own agents only (another user's agent answers like a missing
 * one, through the hub's lookup).
 */
import { Composer } from 'grammy';
import { countError, parseRefAndCount, reportTarget } from '../command-args.js';
import { closeKindsLines, performanceMessages, profitText } from '../analytics-text.js';
import type { BotContext } from '../context.js';
import { splitMessages } from '../format.js';
import type { BotServices } from '../services.js';

const html = { parse_mode: 'HTML' as const };
const DAY_MS = 86_400_000;
/** Ten years: any longer window is all time. */
export const MAX_PROFIT_DAYS = 3650;
const DAYS = { min: 1, max: MAX_PROFIT_DAYS, suffix: 'd' };

export function createProfitFeature(services: BotServices): Composer<BotContext> {
  const { hub, clock } = services;
  const composer = new Composer<BotContext>();
  const me = (ctx: BotContext) => ctx.trader!.id;

  composer.command('profit', async (ctx) => {
    const args = parseRefAndCount(ctx.match, DAYS);
    if ('badCount' in args) return ctx.reply(countError('days', DAYS, '/profit btc-bot 30 (or /profit 30 for all your agents).'));
    const target = await reportTarget(services, ctx, args.ref);
    const since = args.count === undefined ? undefined : new Date(clock() - args.count * DAY_MS);
    const stats = await hub.analytics.profit(me(ctx), { agentId: target.agentId, since });
    const window = args.count === undefined ? 'all time' : `last ${args.count} day${args.count === 1 ? '' : 's'}`;
    await ctx.reply(profitText(target.label, window, stats), html);
  });

  composer.command('stats', async (ctx) => {
    const target = await reportTarget(services, ctx, ctx.match.trim() || undefined);
    const report = await hub.analytics.byCloseKind(me(ctx), { agentId: target.agentId });
    for (const text of splitMessages(closeKindsLines(target.label, report))) await ctx.reply(text, html);
  });

  composer.command('performance', async (ctx) => {
    const target = await reportTarget(services, ctx, ctx.match.trim() || undefined);
    const report = await hub.analytics.performance(me(ctx), { agentId: target.agentId });
    for (const text of performanceMessages(target.label, report)) await ctx.reply(text, html);
  });
  return composer;
}
