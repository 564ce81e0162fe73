/**
 * From the bars a load found to the series a backtest runs on: contiguous, warm-up first, and the
 * notes that tell the trader what shaped the period.
 *
 * - Kept: the bars after the newest page refused for credits (the most recent part), from the
 *   provider's first bar to its last one in the range.
 * - A slot inside that span the provider has no bar for (a pause in trading) is filled flat at the
 *   previous close with no volume, and counted in a note.
 * - When fewer than `warmup.least` bars come before `fromMs` (history starts late, or the budget
 *   cut the period), the traded period starts later: after `warmup.wanted` warm-up bars (or `least`,
 *   when `wanted` would leave nothing to trade), with a note. Nothing left to trade is an error.
 */
import type { Candle, Interval } from '../../shared/market.js';
import type { ProviderName } from '../market/provider.js';
import type { MarketSymbol } from '../market/symbols.js';
import { formatUtc, HistoryBudgetError, HistoryRangeError, PROVIDER_LABEL } from './history-errors.js';
import type { LoadedRange } from './history-fetch.js';

/** The bars a request resolves to (open times in UTC ms, aligned to `step`). */
export interface RangePlan {
  symbol: MarketSymbol;
  interval: Interval;
  /** Bar length, ms. */
  step: number;
  /** First bar traded: the first open time at or after `fromMs`. */
  firstTraded: number;
  /** First warm-up bar wanted: `firstTraded − wanted × step`. */
  start: number;
  /** Last bar: the last one opening before `toMs` that has closed. */
  end: number;
  warmup: { wanted: number; least: number };
}

export interface AssembledHistory {
  bars: Candle[];
  warmupBars: number;
  notes: string[];
}

/** The series of `plan` from `loaded`, or null when the provider has no bar at all in the range. */
export function assembleHistory(plan: RangePlan, loaded: LoadedRange, provider: ProviderName): AssembledHistory | null {
  const { step, end } = plan;
  const budgetCut = loaded.refusedUpTo !== undefined;
  let first = budgetCut ? loaded.refusedUpTo! + step : plan.start;
  while (first <= end && !loaded.bars.has(first)) first += step;
  if (first > end) {
    if (budgetCut) throw new HistoryBudgetError();
    return null;
  }
  let last = end;
  while (!loaded.bars.has(last)) last -= step;

  const bars: Candle[] = [];
  let filled = 0;
  for (let t = first; t <= last; t += step) {
    const bar = loaded.bars.get(t);
    if (bar) {
      bars.push(bar);
    } else {
      const close = bars.at(-1)!.close;
      bars.push({ openTime: t, open: close, high: close, low: close, close, volume: 0 });
      filled++;
    }
  }

  const label = PROVIDER_LABEL[provider];
  const series = `${plan.symbol.id} ${plan.interval}`;
  const notes: string[] = [];
  const tradedFrom = tradedStart(plan, first, last, budgetCut, notes, `${label}'s ${series}`);
  if (last < end) notes.push(`${label} has no ${series} bars after ${formatUtc(last)}: the period ends there.`);
  if (filled > 0) notes.push(`${filled} ${series} bars missing at ${label} (no trades) were filled flat at the previous close.`);
  return { bars, warmupBars: (tradedFrom - first) / step, notes };
}

/**
 * The first traded open time for bars `first..last`: `plan.firstTraded` when enough warm-up comes
 * before it, else later (with a note in `notes`); throws when nothing would be left to trade.
 */
function tradedStart(plan: RangePlan, first: number, last: number, budgetCut: boolean, notes: string[], seriesOf: string): number {
  const { step, warmup } = plan;
  if (first <= plan.firstTraded - warmup.least * step) {
    if (last >= plan.firstTraded) return plan.firstTraded;
    throw new HistoryRangeError(`${seriesOf} bars end at ${formatUtc(last)}, before the period starts. Choose an earlier period.`, first);
  }
  const warm = first + warmup.wanted * step <= last ? warmup.wanted : warmup.least;
  const from = first + warm * step;
  if (from > last) {
    if (budgetCut) throw new HistoryBudgetError();
    throw new HistoryRangeError(
      `${seriesOf} history starts at ${formatUtc(first)}: too late for this period with the ${warmup.least} warm-up bars the strategies need. Choose a period that starts after ${formatUtc(first + warmup.least * step)}.`,
      first,
    );
  }
  notes.push(
    budgetCut
      ? `Twelve Data's daily budget limited the period to ${formatUtc(from)} – ${formatUtc(last + step)} (running agents keep their share of the day's credits).`
      : `${seriesOf} history starts at ${formatUtc(first)}: the period starts at ${formatUtc(from)}, after ${warm} warm-up bars.`,
  );
  return from;
}
