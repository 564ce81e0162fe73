/**
 * Sending a stored run to a chat, when it finishes and again from /backtests: the table with its
 * notes (and 🚀 Launch agent with these settings under a single backtest), then the images the
 * hub draws: equity against buy-and-hold and the price with entries and exits, or for /compare
 * the five best equity curves. A chart that cannot be drawn is said in one line; the table
 * already holds every figure.
 */
import { InlineKeyboard, InputFile, type Api } from 'grammy';
import type { BacktestRecord, BacktestResult, ComparisonResult } from '../hub/backtest/types.js';
import type { Logger } from '../logger.js';
import { recordText } from './backtest-format.js';
import { ownedCallbackData } from './owned-callback.js';

/** Callback prefix of 🚀 Launch agent with these settings: `btl:<asker>:<run id>`. */
export const LAUNCH_PREFIX = 'btl';

/** The images of a run, PNG, drawn by the hub's chart service off the event loop. */
export interface BacktestCharts {
  backtestEquity(result: BacktestResult, timeZone?: string): Promise<Buffer>;
  backtestTrades(result: BacktestResult, timeZone?: string): Promise<Buffer>;
  comparison(result: ComparisonResult, timeZone?: string): Promise<Buffer>;
}

export interface SendTarget {
  api: Api;
  chatId: number;
  telegramUserId: number;
  timeZone?: string;
}

export function launchKeyboard(telegramUserId: number, runId: string): InlineKeyboard {
  return new InlineKeyboard().text('🚀 Launch agent with these settings', ownedCallbackData(LAUNCH_PREFIX, telegramUserId, [runId]));
}

interface Picture {
  draw: () => Promise<Buffer>;
  file: string;
  caption: string;
}

function pictures(charts: BacktestCharts, record: BacktestRecord, timeZone: string | undefined): Picture[] {
  if (record.kind === 'compare') {
    const r = record.result;
    return [
      {
        draw: () => charts.comparison(r, timeZone),
        file: `compare-${r.params.symbol}-${r.params.timeframe}.png`,
        caption: `🏁 The ${Math.min(5, r.top.length)} best equity curves against buy-and-hold · ${r.params.symbol} ${r.params.timeframe}`,
      },
    ];
  }
  const r = record.result;
  const name = `${r.params.symbol}-${r.params.timeframe}-${r.plan.strategy}`;
  return [
    {
      draw: () => charts.backtestEquity(r, timeZone),
      file: `equity-${name}.png`,
      caption: `📈 Equity against buy-and-hold · ${name.replaceAll('-', ' ')}`,
    },
    {
      draw: () => charts.backtestTrades(r, timeZone),
      file: `trades-${name}.png`,
      caption: `🕯 Price with entries and exits · ${r.summary.trades} ${r.summary.trades === 1 ? 'trade' : 'trades'}`,
    },
  ];
}

/** The table, then the images (drawn while the table is sent). */
export async function sendRecord(
  deps: { charts: BacktestCharts; logger: Logger },
  target: SendTarget,
  record: BacktestRecord,
): Promise<void> {
  const shots = pictures(deps.charts, record, target.timeZone);
  const drawn = shots.map((p) => p.draw());
  for (const p of drawn) void p.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
  await target.api.sendMessage(target.chatId, recordText(record), {
    parse_mode: 'HTML',
    ...(record.kind === 'backtest' ? { reply_markup: launchKeyboard(target.telegramUserId, record.id) } : {}),
  });
  let failed = 0;
  for (const [i, shot] of shots.entries()) {
    let png: Buffer;
    try {
      png = await drawn[i]!;
    } catch (error) {
      deps.logger.warn({ err: error, runId: record.id }, 'a backtest chart could not be drawn');
      failed++;
      continue;
    }
    await target.api.sendPhoto(target.chatId, new InputFile(png, shot.file), { caption: shot.caption });
  }
  if (failed)
    await target.api.sendMessage(
      target.chatId,
      `⚠️ ${failed === 1 ? 'One image' : 'The images'} could not be drawn this time; the table above has every figure.`,
    );
}
