/** Backtest figures from a bar-by-bar equity series, computed by hand here. */
import { describe, expect, it } from 'vitest';
import { downsample, maxDrawdownPct, summarize } from '../../../src/hub/backtest/metrics.js';

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

  it('downsamples to at most N real points, keeping the first and the last', () => {
    const points = Array.from({ length: 10_001 }, (_, i) => ({ at: i, value: i * 2 }));
    const out = downsample(points, 1_000);
    expect(out).toHaveLength(1_000);
    expect(out[0]).toEqual(points[0]);
    expect(out.at(-1)).toEqual(points.at(-1));
    for (const p of out) expect(p.value).toBe(p.at * 2);
    expect(downsample(points.slice(0, 5), 1_000)).toHaveLength(5);
  });
});
