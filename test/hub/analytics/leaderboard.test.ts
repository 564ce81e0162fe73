import { describe, expect, it } from 'vitest';
import { rankLeaderboard } from '../../../src/hub/analytics/leaderboard.js';
import { CAPITAL, HAND_TRADES } from './fixtures.js';

const trade = (d: number, pnl: number) => ({
  openedAt: new Date(Date.UTC(2026, 10, d, 8)),
  closedAt: new Date(Date.UTC(2026, 10, d, 9)),
  pnl,
  fees: 0,
});

describe('rankLeaderboard', () => {
  it('ranks by ROI with win rate, drawdown and Sharpe, names only', () => {
    const rows = rankLeaderboard([
      { name: 'hand', capital: CAPITAL, trades: HAND_TRADES },
      // 100 capital: +10 then +22 two days later → ROI 0.32, no drawdown, Sharpe √365 (ratios.test.ts)
      { name: 'steady', capital: 100, trades: [trade(1, 10), trade(3, 22)] },
      { name: 'idle', capital: 200, trades: [] },
    ]);
    expect(rows.map((r) => [r.rank, r.name, r.trades])).toEqual([
      [1, 'steady', 2],
      [2, 'hand', 5],
      [3, 'idle', 0],
    ]);
    expect(rows[0]!.roi).toBeCloseTo(0.32, 12);
    expect(rows[0]!.winRate).toBe(1);
    expect(rows[0]!.maxDrawdownPct).toBe(0);
    expect(rows[0]!.sharpe).toBeCloseTo(Math.sqrt(365), 9);
    // hand: ROI 60 / 1000, win rate 2/5, drawdown 40 / 1100 (trade-stats.test.ts)
    expect(rows[1]!.roi).toBeCloseTo(0.06, 12);
    expect(rows[1]!.winRate).toBeCloseTo(0.4, 12);
    expect(rows[1]!.maxDrawdownPct).toBeCloseTo(40 / 1100, 12);
    expect(rows[2]!).toMatchObject({ roi: 0, winRate: null, sharpe: null });
    expect(Object.keys(rows[0]!).sort()).toEqual(['maxDrawdownPct', 'name', 'pnl', 'rank', 'roi', 'sharpe', 'trades', 'winRate']);
  });

  it('puts an agent without capital last', () => {
    const rows = rankLeaderboard([
      { name: 'zero', capital: 0, trades: [trade(1, 5)] },
      { name: 'loser', capital: 100, trades: [trade(1, -5)] },
    ]);
    expect(rows.map((r) => r.name)).toEqual(['loser', 'zero']);
  });
});
