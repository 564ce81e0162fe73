/**
 * From the bars a load found to the series a backtest runs on (no I/O): pages to fetch, gaps,
 * the end of a provider's bars, the budget cut and its errors.
 */
import { describe, expect, it } from 'vitest';
import { assembleHistory, type RangePlan } from '../../../src/hub/backtest/history-assemble.js';
import { HistoryBudgetError, HistoryRangeError } from '../../../src/hub/backtest/history-errors.js';
import { missingPages } from '../../../src/hub/backtest/history-fetch.js';
import { parseSymbol } from '../../../src/hub/market/symbols.js';
import type { Candle } from '../../../src/shared/market.js';

const STEP = 3_600_000;
const T0 = Date.UTC(2026, 0, 10);
const at = (i: number) => T0 + i * STEP;
const bar = (i: number): Candle => ({ openTime: at(i), open: i, high: i + 2, low: i - 1, close: i + 1, volume: 5 });
/** Bars 0..29 wanted: 10 warm-up, trading from bar 10, at least 5 warm-up bars. */
const plan: RangePlan = {
  symbol: parseSymbol('BTCUSDT'),
  interval: '1h',
  step: STEP,
  firstTraded: at(10),
  start: at(0),
  end: at(29),
  warmup: { wanted: 10, least: 5 },
};
const loaded = (indexes: number[], refusedUpTo?: number) => ({ bars: new Map(indexes.map((i) => [at(i), bar(i)])), refusedUpTo });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

describe('missing pages', () => {
  it('covers only the slots not cached, newest first, at most pageBars bars each', () => {
    const have = new Map(range(5, 9).map((i) => [i, true]));
    expect(missingPages(have, 0, 19, 1, 4)).toEqual([
      { from: 16, to: 19 },
      { from: 12, to: 15 },
      { from: 10, to: 11 },
      { from: 1, to: 4 },
      { from: 0, to: 0 },
    ]);
    expect(missingPages(new Map(range(0, 19).map((i) => [i, true])), 0, 19, 1, 4)).toEqual([]);
  });
});

describe('assembling history', () => {
  it('fills a pause in trading flat at the previous close and ends at the last bar the provider has', () => {
    const history = assembleHistory(plan, loaded([...range(0, 14), ...range(17, 27)]), 'hashkey')!;
    expect(history.bars.map((c) => c.openTime)).toEqual(range(0, 27).map(at));
    expect(history.bars[15]).toEqual({ openTime: at(15), open: 15, high: 15, low: 15, close: 15, volume: 0 });
    expect(history.bars[16]).toEqual({ ...history.bars[15], openTime: at(16) });
    expect(history.bars[17]).toEqual(bar(17));
    expect(history.warmupBars).toBe(10);
    expect(history.notes).toEqual([
      'HashKey has no BTCUSDT 1h bars after 2026-01-11 03:00 UTC: the period ends there.',
      '2 BTCUSDT 1h bars missing at HashKey (no trades) were filled flat at the previous close.',
    ]);
  });

  it('keeps the part after a page refused for credits, or fails when it leaves nothing to trade', () => {
    const cut = assembleHistory(plan, loaded(range(0, 29), at(12)), 'twelvedata')!;
    expect(cut.bars[0]!.openTime).toBe(at(13));
    // 17 bars: 10 warm-up would leave 7 to trade.
    expect(cut.warmupBars).toBe(10);
    expect(cut.notes).toEqual([
      "Twelve Data's daily budget limited the period to 2026-01-10 23:00 UTC – 2026-01-11 06:00 UTC (running agents keep their share of the day's credits).",
    ]);
    // A refusal within the warm-up only shortens it.
    expect(assembleHistory(plan, loaded(range(0, 29), at(3)), 'twelvedata')).toMatchObject({ warmupBars: 6, notes: [] });
    // 3 bars left: fewer than the 5 warm-up bars needed.
    expect(() => assembleHistory(plan, loaded(range(0, 29), at(26)), 'twelvedata')).toThrow(HistoryBudgetError);
    expect(() => assembleHistory(plan, loaded([], at(29)), 'twelvedata')).toThrow(HistoryBudgetError);
  });

  it('returns nothing for a range without bars, and refuses bars that end before the period', () => {
    expect(assembleHistory(plan, loaded([]), 'hashkey')).toBeNull();
    expect(() => assembleHistory(plan, loaded(range(0, 8)), 'hashkey')).toThrow(HistoryRangeError);
  });
});
