/**
 * /compare <symbol> <timeframe> <period>: every strategy of the library on the same bars, with
 * the same settings (capital, leverage, TP/SL… as options, like /backtest's one-line form). The
 * run is followed in one progress message with ✖️ Cancel (../backtest-chat.ts); the result is a
 * ranked table and one image of the five best equity curves.
 */
import { Composer } from 'grammy';
import { STRATEGY_NAMES } from '../../shared/strategy-names.js';
import { toBacktestParams } from '../backtest-args.js';
import { runInChat } from '../backtest-chat.js';
import { runTitle } from '../backtest-format.js';
import { COMPARE_USAGE, parseBacktestLine } from '../backtest-line.js';
import type { BotContext } from '../context.js';
import { escapeHtml } from '../format.js';
import type { BotServices } from '../services.js';
import { traderId } from './agent-card.js';
import { backtestChatDeps, chatTarget } from './backtest.js';

const html = { parse_mode: 'HTML' as const };

export function createCompareFeature(services: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('compare', async (ctx) => {
    const text = ctx.match.trim();
    if (!text) return ctx.reply(`Usage: ${COMPARE_USAGE} Options as in /backtest: capital=, lev=, tp=, sl=…`);
    const parsed = parseBacktestLine(text, {
      supportedSymbols: services.supportedSymbols,
      maxLeverage: services.maxLeverage,
      nowMs: services.clock(),
      compare: true,
    });
    if (!parsed.ok) return ctx.reply(`⚠️ ${parsed.message}\nFor example /compare ETHUSDT 1h 90d.`, html);
    const { request, defaulted } = parsed.value;
    const { strategy: _all, ...params } = toBacktestParams(request, services.clock());
    const heading = [
      `🏁 <b>Compare</b> all ${STRATEGY_NAMES.length} strategies · ${runTitle({ symbol: request.symbol, timeframe: request.timeframe }, request.period)}`,
      ...(defaulted.length ? [`Defaults: ${escapeHtml(defaulted.join(', '))}.`] : []),
    ].join('\n');
    await runInChat(backtestChatDeps(services), chatTarget(ctx, traderId(ctx)), { kind: 'compare', params }, heading);
  });
  return composer;
}
