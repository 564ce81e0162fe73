import { describe, expect, it } from 'vitest';
import { equityCurve, maxDrawdown } from '../../../src/hub/analytics/equity.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

describe('equityCurve', () => {
  it('starts at the capital and steps at each close, in close order', () => {
    const curve = equityCurve(1000, [
      { closedAt: at(3), pnl: -50 },
      { closedAt: at(1), pnl: 100 },
      { closedAt: at(2), pnl: -200 },
    ]);
    expect(curve.map((p) => p.equity)).toEqual([1000, 1100, 900, 850]);
    expect(curve.map((p) => p.peak)).toEqual([1000, 1100, 1100, 1100]);
    expect(curve.map((p) => p.drawdown)).toEqual([0, 0, -200, -250]);
    expect(curve[3]!.drawdownPct).toBeCloseTo(-250 / 1100, 12);
    expect(curve[0]!.at).toBe(at(1).getTime());
  });

  it('holds only the starting point when there is no trade', () => {
    expect(equityCurve(500, [], 42)).toEqual([{ at: 42, equity: 500, peak: 500, drawdown: 0, drawdownPct: 0 }]);
  });
});

describe('maxDrawdown', () => {
  it('is the deepest fall from a running peak, not from the start', () => {
    // 1000 → 1300 (peak) → 1040 (−260, 20 %) → 1500 (new peak) → 1350 (−150, 10 %)
    const curve = equityCurve(1000, [
      { closedAt: at(1), pnl: 300 },
      { closedAt: at(2), pnl: -260 },
      { closedAt: at(3), pnl: 460 },
      { closedAt: at(4), pnl: -150 },
    ]);
    const dd = maxDrawdown(curve);
    expect(dd.amount).toBeCloseTo(260, 12);
    expect(dd.pct).toBeCloseTo(0.2, 12);
    expect(dd.peakAt).toBe(at(1).getTime());
    expect(dd.troughAt).toBe(at(2).getTime());
  });

  it('counts a first losing trade as a drawdown from the capital', () => {
    const dd = maxDrawdown(equityCurve(1000, [{ closedAt: at(1), pnl: -100 }]));
    expect(dd.amount).toBe(100);
    expect(dd.pct).toBeCloseTo(0.1, 12);
  });

  it('is zero for a curve that only rises', () => {
    expect(maxDrawdown(equityCurve(1000, [{ closedAt: at(1), pnl: 5 }]))).toEqual({ amount: 0, pct: 0, peakAt: null, troughAt: null });
  });
});
