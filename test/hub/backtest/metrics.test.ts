/** Backtest figures from a bar-by-bar equity series, computed by hand here. */
import { describe, expect, it } from 'vitest';
import { maxDrawdownPct, sampleIndexes, summarize } from '../../../src/hub/backtest/metrics.js';

describe('backtest metrics', () => {
  it('measures the deepest fall from a running peak, the starting capital included', () => {
    expect(maxDrawdownPct(100, [110, 99, 120, 90, 130])).toBeCloseTo(25, 12); // 120 → 90
    expect(maxDrawdownPct(100, [80, 120])).toBeCloseTo(20, 12); // below the capital at once
    expect(maxDrawdownPct(100, [101, 102])).toBe(0);
  });

  it('annualises Sharpe and Sortino from per-bar returns (1d bars: √365)', () => {
    const equity = [110, 99, 108.9]; // returns +10 %, −10 %, +10 %
    const s = summarize({ interval: '1d', capital: 100, equity, closes: [1, 1, 1], trades: [], barsInPosition: 3 });
    const r = [0.1, -0.1, 0.1];
    const mean = 0.1 / 3;
    const sd = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 2);
    const down = Math.sqrt(0.01 / 2);
    expect(s.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(365), 9);
    expect(s.sortino).toBeCloseTo((mean / down) * Math.sqrt(365), 9);
    expect(s.totalReturnPct).toBeCloseTo(8.9, 9);
    expect(s.exposurePct).toBe(100);
  });

  it('has no ratio without risk, no win rate without trades, no profit factor without losses', () => {
    const flat = summarize({ interval: '1h', capital: 100, equity: [100, 100, 100], closes: [5, 5, 5], trades: [], barsInPosition: 0 });
    expect([flat.sharpe, flat.sortino, flat.winRatePct, flat.profitFactor, flat.avgDurationMs]).toEqual([null, null, null, null, null]);
    const won = summarize({
      interval: '1h',
      capital: 100,
      equity: [101, 103],
      closes: [5, 6],
      trades: [
        { pnl: 1, fees: 0.1, bars: 1, liquidated: false },
        { pnl: 2, fees: 0.1, bars: 3, liquidated: false },
      ],
      barsInPosition: 2,
    });
    expect(won.profitFactor).toBeNull();
    expect(won.winRatePct).toBe(100);
    expect(won.avgDurationMs).toBe(2 * 3_600_000);
    expect(won.buyHoldReturnPct).toBeCloseTo(20, 12);
    expect(won.feesUsdt).toBeCloseTo(0.2, 12);
  });

  it('samples at most N real points, evenly, keeping the first and the last', () => {
    const out = sampleIndexes(10_001, 1_000);
    expect(out).toHaveLength(1_000);
    expect(out[0]).toBe(0);
    expect(out.at(-1)).toBe(10_000);
    for (const [k, i] of out.entries()) {
      expect(Number.isInteger(i)).toBe(true);
      if (k > 0) expect(i).toBeGreaterThan(out[k - 1]!);
    }
    expect(sampleIndexes(5, 1_000)).toEqual([0, 1, 2, 3, 4]);
  });
});
