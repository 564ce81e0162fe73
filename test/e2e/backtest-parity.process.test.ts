/**
 * Parity: a paper agent (the real agent program, process runtime) trading the simulated market
 * and a backtest over the same bars make the same trades — same sides, same entry and exit bars,
 * the same fill prices — because both run the one engine (src/engine) and the one paper fill model.
 *
 * The market clock is stepped by the test, one 1-minute bar per agent tick: each time the agent's
 * status push arrives (the end of a tick), the hub's market moves to the next bar, before the
 * agent's next tick (1 s later). The simulated price is the last closed 1-minute bar's close, so a
 * tick sees exactly one bar, as a backtest tick does. The test checks it got one tick per bar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { runBacktest } from '../../src/hub/backtest/run-backtest.js';
import type { BacktestParams } from '../../src/hub/backtest/types.js';
import { createSimulatedProvider } from '../../src/hub/market/simulated.js';
import { parseSymbol } from '../../src/hub/market/symbols.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startTradingApp, tradesOf } from '../support/e2e.js';
import { waitUntil } from '../support/wait.js';

const MIN = 60_000;
const SEED = 7;
const BARS = 60;
const SLIPPAGE_BPS = 5;
const FEE_BPS = 6;
/** Mid-minute, so the last closed 1-minute bar is unambiguous. */
const T0 = Date.UTC(2025, 2, 3, 10, 0, 30);

let db: TestDatabase;
let app: App & { port: number; dataDir: string };
let marketNow = T0;

beforeAll(async () => {
  db = await createTestDatabase('parity');
  const env = { SIMULATED_SEED: String(SEED), PAPER_SLIPPAGE_BPS: String(SLIPPAGE_BPS), PAPER_FEE_BPS: String(FEE_BPS) };
  app = await startTradingApp(db.url, 2, env, () => marketNow);
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

/** Open time of the last 1-minute bar closed at `now`. */
const barAt = (now: number) => Math.floor(now / MIN) * MIN - MIN;

describe('backtest parity with a paper agent', () => {
  it('makes the same trades as the agent on the same bars', { timeout: 150_000 }, async () => {
    const ownerId = (await app.hub.users.register(7301, 'Trader')).user.id;
    const settings = {
      symbol: 'BTCUSDT',
      timeframe: '1m' as const,
      strategy: 'supertrend',
      amountUsdt: 100,
      leverage: 2,
      tpPct: 0.15,
      slPct: 0.1,
      tpSlMode: 'fixed' as const,
      maxSessionLossPct: 50,
    };
    const agent = await app.hub.agents.create(ownerId, { ...settings, name: 'parity', pollSeconds: 1, closeOnStop: true });

    // One status push per tick: note the bar it saw, then step the market to the next bar.
    const ticksPerBar = new Map<number, number>();
    const tradeBars: Array<{ kind: 'opened' | 'closed'; bar: number }> = [];
    let ticks = 0;
    const stopping: { done: Promise<unknown> | null } = { done: null };
    app.hub.events.on('agent.status', (e) => {
      if (e.agentId !== agent.id || e.status.state !== 'running' || ticks >= BARS) return;
      const bar = barAt(marketNow);
      ticksPerBar.set(bar, (ticksPerBar.get(bar) ?? 0) + 1);
      ticks++;
      if (ticks < BARS) marketNow += MIN;
      // After the last bar's tick, stop at once (closing at that bar's close, as a backtest ends).
      else stopping.done = app.hub.lifecycle.stop(ownerId, agent.id, { reason: 'parity test over' });
    });
    for (const kind of ['opened', 'closed'] as const) {
      app.hub.events.on(`trade.${kind}`, (e) => {
        if (e.agentId === agent.id) tradeBars.push({ kind, bar: barAt(marketNow) });
      });
    }

    await app.hub.lifecycle.start(ownerId, agent.id);
    await waitUntil(() => stopping.done !== null, 120_000, `${BARS} agent ticks`);
    await stopping.done;

    const firstBar = barAt(T0);
    const lastBar = barAt(marketNow);
    expect(lastBar - firstBar).toBe((BARS - 1) * MIN);
    // The premise: the agent ticked exactly once on every bar.
    expect([...ticksPerBar.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(ticksPerBar.size).toBe(BARS);

    const simulated = createSimulatedProvider({ now: () => marketNow, seed: SEED });
    const bars = await simulated.candles(parseSymbol('BTCUSDT')!, '1m', BARS + 250);
    const params: BacktestParams = {
      ...settings,
      strategy: 'supertrend',
      riskProfile: 'moderate',
      fromMs: firstBar,
      toMs: lastBar + MIN,
      liveMode: false,
    };
    const backtest = await runBacktest({
      params,
      bars,
      costs: { feeBps: FEE_BPS, slippageBps: SLIPPAGE_BPS },
      simulated: true,
      source: 'simulated',
    });

    const live = await tradesOf(app, agent.id);
    expect(live.length).toBeGreaterThanOrEqual(2);
    expect(live.every((t) => t.status === 'closed')).toBe(true);
    const opens = tradeBars.filter((t) => t.kind === 'opened').map((t) => (t.bar - firstBar) / MIN);
    const closes = tradeBars.filter((t) => t.kind === 'closed').map((t) => (t.bar - firstBar) / MIN);
    expect(backtest.trades.map((t) => t.side)).toEqual(live.map((t) => t.side));
    expect(backtest.trades.map((t) => t.entryBar)).toEqual(opens);
    expect(backtest.trades.map((t) => t.exitBar)).toEqual(closes);
    const slip = SLIPPAGE_BPS / 10_000;
    for (const [i, t] of backtest.trades.entries()) {
      expect(Math.abs(t.entryPrice / live[i]!.entry_price - 1)).toBeLessThanOrEqual(slip);
      expect(Math.abs(t.exitPrice / live[i]!.exit_price! - 1)).toBeLessThanOrEqual(slip);
      expect(t.pnl).toBeCloseTo(live[i]!.pnl!, 6);
    }
  });
});
