/**
 * Chart images in chat (sendPhoto): `/chart <agent> [interval]` (candles with every entry and
 * exit, and the open position's TP/SL/liquidation lines), `/equity [agent]` (the equity curve
 * with its drawdown), the 📈 Chart button under trade alerts (callback `ch:<agentId>`), and
 * `/timezone <IANA name>`, the zone chart times are written in (UTC until set).
 *
 * The hub draws (src/hub/charts/, in a worker thread) and scopes every request to the caller:
 * another trader's agent answers like a missing one. Typed hub errors reach the trader through
 * the bot's error boundary as they are.
 */
import { Composer, InputFile } from 'grammy';
import type { AlertButton } from '../../hub/alerts/alert-router.js';
import type { CandleChart, ChartService, EquityChart } from '../../hub/charts/chart-service.js';
import { DEFAULT_TIME_ZONE } from '../../hub/timezone.js';
import type { UserService } from '../../hub/users.js';
import type { BotContext } from '../context.js';

export interface ChartsFeatureDeps {
  charts: Pick<ChartService, 'candles' | 'equity'>;
  users: Pick<UserService, 'setTimezone'>;
}

/** Callback data of the 📈 Chart button: `ch:<agent id>` (39 bytes). */
const CHART_BUTTON = /^ch:([0-9a-f-]{36})$/;

/** The 📈 Chart button of an agent (under its trade alerts). */
export function chartButton(agentId: string, agentName: string): AlertButton {
  return { text: '📈 Chart', data: `ch:${agentId}`, scope: agentName };
}

const CHART_USAGE = 'Send /chart <agent> [interval], for example /chart btc-bot or /chart btc-bot 1h. /agents lists your agents.';
const EQUITY_USAGE = 'Send /equity for all your agents, or /equity <agent>, for example /equity btc-bot.';

function money(value: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export function candleCaption(chart: CandleChart): string {
  const notes = [...(chart.simulated ? ['simulated prices'] : []), ...(chart.stale ? ['prices may be out of date'] : [])];
  return [
    `📈 ${chart.agentName} · ${chart.symbol} · ${chart.interval}`,
    `${chart.bars} bars, ${chart.trades} ${chart.trades === 1 ? 'trade' : 'trades'} · times in ${chart.timeZone}`,
    ...notes.map((n) => `⚠️ ${n}`),
  ].join('\n');
}

export function equityCaption(chart: EquityChart): string {
  const change = chart.startEquity > 0 ? ((chart.endEquity - chart.startEquity) / chart.startEquity) * 100 : 0;
  return [
    `💰 Equity of ${chart.agentName ?? 'all your agents'}: ${money(chart.startEquity)} → ${money(chart.endEquity)} USDT (${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(2)} %)`,
    `Max drawdown ${(chart.maxDrawdownPct * 100).toFixed(2)} % · ${chart.trades} closed ${chart.trades === 1 ? 'trade' : 'trades'} · times in ${chart.timeZone}`,
  ].join('\n');
}

function words(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

async function sendCandles(ctx: BotContext, deps: ChartsFeatureDeps, agent: string, interval?: string): Promise<void> {
  const trader = ctx.trader!;
  await ctx.replyWithChatAction('upload_photo').catch(() => undefined);
  const chart = await deps.charts.candles({ ownerId: trader.id, agent, interval, timeZone: trader.timezone });
  await ctx.replyWithPhoto(new InputFile(chart.png, `${chart.agentName}-${chart.interval}.png`), { caption: candleCaption(chart) });
}

export function createChartsFeature(deps: ChartsFeatureDeps): Composer<BotContext> {
  // Past the access feature, so `ctx.trader` is the registered, active caller.
  const composer = new Composer<BotContext>();

  composer.command('chart', async (ctx) => {
    const [agent, interval, ...extra] = words(ctx.match);
    if (!agent || extra.length) return void (await ctx.reply(CHART_USAGE));
    await sendCandles(ctx, deps, agent, interval);
  });

  composer.command('equity', async (ctx) => {
    const [agent, ...extra] = words(ctx.match);
    if (extra.length) return void (await ctx.reply(EQUITY_USAGE));
    const trader = ctx.trader!;
    await ctx.replyWithChatAction('upload_photo').catch(() => undefined);
    const chart = await deps.charts.equity({ ownerId: trader.id, agent, timeZone: trader.timezone });
    await ctx.replyWithPhoto(new InputFile(chart.png, 'equity.png'), { caption: equityCaption(chart) });
  });

  // The button answers after the photo is sent (the spinner shows meanwhile); a refused chart
  // is answered by the error boundary as an alert.
  composer.callbackQuery(CHART_BUTTON, async (ctx) => {
    await sendCandles(ctx, deps, ctx.match[1]!);
    await ctx.answerCallbackQuery().catch(() => undefined);
  });

  composer.command('timezone', async (ctx) => {
    const input = ctx.match.trim();
    if (!input) {
      const current = ctx.trader!.timezone ?? `${DEFAULT_TIME_ZONE} (not set)`;
      return void (await ctx.reply(
        `🕒 Chart times are in ${current}. Send /timezone <IANA name> to change it, for example /timezone Europe/Berlin or /timezone America/New_York.`,
      ));
    }
    const stored = await deps.users.setTimezone(ctx.trader!.id, input);
    await ctx.reply(`🕒 Chart times are now in ${stored}.`);
  });

  return composer;
}
