import { describe, expect, it } from 'vitest';
import { dailyReturns, sharpeRatio } from '../../../src/hub/analytics/ratios.js';

const day = (d: number, hour = 12) => new Date(Date.UTC(2026, 10, d, hour));

describe('dailyReturns', () => {
  it('one return per UTC day from the first to the last close, idle days 0, over the prior equity', () => {
    // capital 100: day 1 +10 (10/100 = 0.1, equity 110), day 2 idle (0), day 3 +22 (22/110 = 0.2)
    expect(
      dailyReturns(100, [
        { closedAt: day(3), pnl: 22 },
        { closedAt: day(1), pnl: 4 },
        { closedAt: day(1, 18), pnl: 6 },
      ]),
    ).toEqual([0.1, 0, 0.2]);
  });

  it('is empty without trades and null once the equity is gone', () => {
    expect(dailyReturns(100, [])).toEqual([]);
    expect(
      dailyReturns(100, [
        { closedAt: day(1), pnl: -100 },
        { closedAt: day(2), pnl: 5 },
      ]),
    ).toBeNull();
  });
});

describe('sharpeRatio', () => {
  it('mean / sample stdev of daily returns × √365', () => {
    // returns 0.1, 0, 0.2: mean 0.1; squared deviations 0, 0.01, 0.01 → variance 0.02 / 2 = 0.01,
    // stdev 0.1 → 0.1 / 0.1 × √365 = √365 ≈ 19.1050
    expect(sharpeRatio([0.1, 0, 0.2])).toBeCloseTo(Math.sqrt(365), 9);
    expect(sharpeRatio([0.1, 0, 0.2])).toBeCloseTo(19.10497, 4);
    // returns 0.02, −0.01: mean 0.005; deviations ±0.015 → variance 2 × 0.000225 / 1, stdev 0.0212132
    // → 0.005 / 0.0212132 × 19.10497 = 4.50309
    expect(sharpeRatio([0.02, -0.01])).toBeCloseTo(4.50309, 4);
  });

  it('is unknown with fewer than 2 days, without variance, or after a wipe-out', () => {
    expect(sharpeRatio([0.05])).toBeNull();
    expect(sharpeRatio([])).toBeNull();
    expect(sharpeRatio([0.01, 0.01, 0.01])).toBeNull();
    expect(sharpeRatio(null)).toBeNull();
  });
});
