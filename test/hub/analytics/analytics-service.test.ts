/** hub.analytics over real PostgreSQL: the hand-made trades (fixtures.ts) read back through the doors. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyticsService, type AnalyticsService } from '../../../src/hub/analytics/analytics-service.js';
import { seedTrades } from '../../support/seed-trades.js';
import { brokerFixtureForFile } from '../broker/fixtures.js';
import { HAND_TRADES } from './fixtures.js';

const file = brokerFixtureForFile('analytics');
let analytics: AnalyticsService;
let handAgent: string;
let otherAgent: string;
let stranger: string;

beforeAll(async () => {
  analytics = createAnalyticsService({ orm: file.fx.orm });
  // Capital 600 + 400 = 1000, as in fixtures.ts; all hand trades on `hand`, none on `spare`.
  handAgent = await file.fx.agent(file.owner, { name: 'hand', amountUsdt: 600, strategy: 'breakout' });
  otherAgent = await file.fx.agent(file.owner, { name: 'spare', symbol: 'ETHUSDT', amountUsdt: 400 });
  await seedTrades(
    file.fx.orm,
    HAND_TRADES.map((t) => ({
      agentId: handAgent,
      pnl: t.pnl,
      fees: t.fees,
      openedAt: t.openedAt,
      closedAt: t.closedAt,
      closeReason: t.closeReason,
    })),
  );
  stranger = await file.fx.user();
  const theirs = await file.fx.agent(stranger, { name: 'hand', amountUsdt: 50 });
  await seedTrades(file.fx.orm, [{ agentId: theirs, pnl: 500, closedAt: new Date('2026-11-04T00:00:00Z') }]);
});

describe('hub.analytics', () => {
  it('/profit figures of all the owner’s agents equal the hand-computed ones', async () => {
    const stats = await analytics.profit(file.owner);
    // see trade-stats.test.ts: 60 PnL on 1000 capital, 2/5 won, PF 130/70, expectancy 12, DD 40/1100
    expect(stats).toMatchObject({ trades: 5, wins: 2, pnl: 60, capital: 1000, expectancy: 12, avgDurationMs: 6_120_000 });
    expect(stats.roi).toBeCloseTo(0.06, 12);
    expect(stats.profitFactor).toBeCloseTo(130 / 70, 12);
    expect(stats.maxDrawdown.pct).toBeCloseTo(40 / 1100, 12);
    expect(stats.fees).toBeCloseTo(7, 12);
    expect(stats.best?.pnl).toBe(80);
  });

  it('one agent: its capital only; a window: trades closed since then', async () => {
    const one = await analytics.profit(file.owner, { agentId: handAgent });
    expect(one.capital).toBe(600);
    expect(one.roi).toBeCloseTo(60 / 600, 12);
    const since = await analytics.profit(file.owner, { since: new Date('2026-11-04T00:00:00Z') });
    // #3 +80, #4 −40, #5 0
    expect(since).toMatchObject({ trades: 3, pnl: 40 });
    expect((await analytics.profit(file.owner, { agentId: otherAgent })).trades).toBe(0);
  });

  it("another owner's agent id yields nothing: no trades, no capital", async () => {
    const stats = await analytics.profit(stranger, { agentId: handAgent });
    expect(stats).toMatchObject({ trades: 0, capital: 0, roi: null });
  });

  it('by close kind, by period, by symbol and strategy', async () => {
    const kinds = await analytics.byCloseKind(file.owner);
    expect(kinds.capital).toBe(1000);
    expect(kinds.kinds.map((k) => k.kind)).toEqual(['take-profit', 'stop-loss', 'signal', 'drawdown stop', 'manual']);
    const days = await analytics.periods(file.owner, 'day', 3, Date.parse('2026-11-06T20:00:00Z'));
    expect(days.map((d) => [d.label, d.pnl, d.trades])).toEqual([
      ['2026-11-06', 0, 1],
      ['2026-11-05', -40, 1],
      ['2026-11-04', 80, 1],
    ]);
    const perf = await analytics.performance(file.owner);
    expect(perf.bySymbol.map((r) => [r.key, r.pnl])).toEqual([['BTCUSDT', 60]]);
    expect(perf.byStrategy.map((r) => [r.key, r.pnl, r.trades])).toEqual([['breakout', 60, 5]]);
  });

  it('leaderboard: only opted-in agents, by name', async () => {
    expect(await analytics.leaderboard()).toEqual([]);
    expect(await analytics.setLeaderboardOptIn(stranger, handAgent, true)).toBe(false);
    expect(await analytics.setLeaderboardOptIn(file.owner, handAgent, true)).toBe(true);
    const rows = await analytics.leaderboard();
    expect(rows.map((r) => [r.rank, r.name, r.trades])).toEqual([[1, 'hand', 5]]);
    expect(rows[0]!.roi).toBeCloseTo(60 / 600, 12);
    expect(await analytics.optOutAll(file.owner)).toEqual(['hand']);
    expect(await analytics.leaderboard()).toEqual([]);
  });
});
