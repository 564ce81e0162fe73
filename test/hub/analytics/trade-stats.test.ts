import { describe, expect, it } from 'vitest';
import { tally, tradeStats } from '../../../src/hub/analytics/trade-stats.js';
import { CAPITAL, HAND_TRADES } from './fixtures.js';

describe('tradeStats on the hand-made list (fixtures.ts)', () => {
  const stats = tradeStats(HAND_TRADES, CAPITAL);

  it('realised PnL, ROI on capital and fees', () => {
    // 50 − 30 + 80 − 40 + 0 = 60; ROI = 60 / 1000 = 0.06; fees 2 + 1.5 + 1 + 2 + 0.5 = 7
    expect(stats.pnl).toBe(60);
    expect(stats.roi).toBeCloseTo(0.06, 12);
    expect(stats.fees).toBeCloseTo(7, 12);
    expect(stats.capital).toBe(1000);
  });

  it('win rate: a 0 PnL trade is neither a win nor a loss but counts as a trade', () => {
    // wins #1, #3; losses #2, #4; breakeven #5 → 2 / 5 = 0.4
    expect(stats).toMatchObject({ trades: 5, wins: 2, losses: 2, breakeven: 1 });
    expect(stats.winRate).toBeCloseTo(0.4, 12);
  });

  it('profit factor and expectancy', () => {
    // gross profit 50 + 80 = 130; gross loss 30 + 40 = 70; 130 / 70 = 1.857142…; expectancy 60 / 5 = 12
    expect(stats.grossProfit).toBe(130);
    expect(stats.grossLoss).toBe(70);
    expect(stats.profitFactor).toBeCloseTo(130 / 70, 12);
    expect(stats.profitFactor).toBeCloseTo(1.857142857, 8);
    expect(stats.expectancy).toBe(12);
  });

  it('average duration, best and worst trade', () => {
    // (2 + 1 + 4 + 1 + 0.5) h / 5 = 1.7 h = 6 120 000 ms
    expect(stats.avgDurationMs).toBe(6_120_000);
    expect(stats.best?.id).toBe('t3');
    expect(stats.worst?.id).toBe('t4');
  });

  it('maximum drawdown from the equity curve', () => {
    // equity 1000 → 1050 → 1020 → 1100 → 1060 → 1060: falls of 30 (from 1050) and 40 (from 1100);
    // the deepest is 40 / 1100 = 0.036363…
    expect(stats.maxDrawdown.amount).toBe(40);
    expect(stats.maxDrawdown.pct).toBeCloseTo(40 / 1100, 12);
    expect(stats.maxDrawdown.troughAt).toBe(HAND_TRADES[3]!.closedAt.getTime());
  });

  it('reads the trades in close order, whatever order they come in', () => {
    const shuffled = tradeStats([...HAND_TRADES].reverse(), CAPITAL);
    expect(shuffled.maxDrawdown.amount).toBe(40);
    expect(shuffled.best?.id).toBe('t3');
  });
});

describe('edge cases', () => {
  it('no trades: counts are 0 and the ratios are unknown (null)', () => {
    const stats = tradeStats([], 500);
    expect(stats).toMatchObject({ trades: 0, pnl: 0, fees: 0, winRate: null, profitFactor: null, expectancy: null, avgDurationMs: null });
    expect(stats.best).toBeNull();
    expect(stats.roi).toBe(0);
    expect(stats.maxDrawdown.amount).toBe(0);
  });

  it('wins and no loss: profit factor is Infinity; only breakeven trades: unknown', () => {
    expect(tradeStats([HAND_TRADES[0]!, HAND_TRADES[4]!], CAPITAL).profitFactor).toBe(Infinity);
    expect(tradeStats([HAND_TRADES[4]!], CAPITAL).profitFactor).toBeNull();
  });

  it('losses only: profit factor 0; no capital: ROI unknown', () => {
    const stats = tradeStats([HAND_TRADES[1]!], 0);
    expect(stats.profitFactor).toBe(0);
    expect(stats.roi).toBeNull();
  });

  it('tally counts trades, wins and PnL', () => {
    // #1 +50, #2 −30, #5 0 → 3 trades, 1 win, +20, win rate 1/3
    const t = tally([HAND_TRADES[0]!, HAND_TRADES[1]!, HAND_TRADES[4]!]);
    expect(t).toMatchObject({ trades: 3, wins: 1, pnl: 20 });
    expect(t.winRate).toBeCloseTo(1 / 3, 12);
    expect(tally([]).winRate).toBeNull();
  });
});
