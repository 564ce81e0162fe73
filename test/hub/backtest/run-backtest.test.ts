/**
 * The backtest runner: the agents' engine over historical bars with the paper fill model.
 *
 * The hand-made series is built so that every trade follows from the engine's published rules
 * (SuperTrend always takes a side once warm; TP/SL at the close; liquidation when a bar's range
 * reaches the liquidation price; a 3-tick cooldown after each close) and the paper model
 * (slippage against the trader, taker fee on both fills, liquidation AT the liquidation price).
 * The expected fills below are computed here from those rules, not read from the code.
 */
import { describe, expect, it } from 'vitest';
import { runBacktest, runComparison } from '../../../src/hub/backtest/run-backtest.js';
import type { BacktestParams } from '../../../src/hub/backtest/types.js';
import { createSimulatedProvider } from '../../../src/hub/market/simulated.js';
import { parseSymbol } from '../../../src/hub/market/symbols.js';
import type { Candle } from '../../../src/shared/market.js';

const BAR = 15 * 60_000;
const T0 = Date.UTC(2025, 0, 1);
const WARMUP = 300;
const FEE = 6 / 10_000;
const SLIP = 5 / 10_000;
const MMR = 0.005;

/** Bars from closes; `wick(i)` gives a bar's low/high as multiples of the previous close (default ±0.02 % around open/close). */
function barsFrom(closes: number[], wicks: Record<number, { low?: number; high?: number }> = {}): Candle[] {
  return closes.map((close, i) => {
    const open = i === 0 ? close : closes[i - 1]!;
    const w = wicks[i] ?? {};
    return {
      openTime: T0 + i * BAR,
      open,
      close,
      high: w.high !== undefined ? open * w.high : Math.max(open, close) * 1.0002,
      low: w.low !== undefined ? open * w.low : Math.min(open, close) * 0.9998,
      volume: 10,
    };
  });
}

/**
 * Warm-up: 300 bars rising 0.01 % each from 100. Traded bar k is index 300 + k:
 *  - k 0..9 keep rising; k 10 jumps +3 % (past the 2 % TP of the long opened at k 0);
 *  - k 11..16 rise again (re-entry long at k 14, after the cooldown of k 11–13);
 *  - k 17 drops 6 % (past the 5 % SL; the wick stays above the 9.5 % liquidation distance), and
 *    SuperTrend turns down;
 *  - k 18..24 fall 0.01 % each (short opened at k 21, after the cooldown of k 18–20);
 *  - k 25 closes +1 % with a wick to +15 %: past the short's liquidation price (+9.5 %);
 *  - k 26..28 fall again: the cooldown, so no new trade before the period ends after k 28.
 */
function handMadeSeries(): Candle[] {
  const closes: number[] = [];
  const wicks: Record<number, { low?: number; high?: number }> = {};
  let c = 100;
  for (let i = 0; i < WARMUP; i++) closes.push((c *= 1.0001));
  for (let k = 0; k <= 28; k++) {
    if (k === 10) c *= 1.03;
    else if (k === 17) {
      c *= 0.94;
      wicks[WARMUP + k] = { low: 0.939 };
    } else if (k === 25) {
      c *= 1.01;
      wicks[WARMUP + k] = { high: 1.15 };
    } else if (k >= 18) c *= 0.9999;
    else c *= 1.0001;
    closes.push(c);
  }
  return barsFrom(closes, wicks);
}

const params = (bars: Candle[], over: Partial<BacktestParams> = {}): BacktestParams => ({
  symbol: 'BTCUSDT',
  timeframe: '15m',
  strategy: 'supertrend',
  fromMs: bars[WARMUP]!.openTime,
  toMs: bars[bars.length - 1]!.openTime + BAR,
  amountUsdt: 1000,
  leverage: 10,
  tpPct: 2,
  slPct: 5,
  tpSlMode: 'fixed',
  riskProfile: 'moderate',
  maxSessionLossPct: 0,
  liveMode: false,
  ...over,
});

const costs = { feeBps: 6, slippageBps: 5 };

describe('runBacktest on a hand-made series', () => {
  it('makes exactly the trades the rules imply: a TP, an SL and a liquidated short, with their fees', async () => {
    const bars = handMadeSeries();
    const result = await runBacktest({ params: params(bars), bars, costs });
    const close = (k: number) => bars[WARMUP + k]!.close;
    const margin = 1000;
    const lev = 10;

    // Long at k 0, TP at k 10 (a close past entry × 1.02): filled at the close, slipped down.
    const e1 = close(0) * (1 + SLIP);
    const q1 = (margin * lev) / e1;
    const x1 = close(10) * (1 - SLIP);
    // Long at k 14, SL at k 17.
    const e2 = close(14) * (1 + SLIP);
    const q2 = (margin * lev) / e2;
    const x2 = close(17) * (1 - SLIP);
    // Short at k 21 (sold: slipped down), liquidated at k 25 AT its liquidation price.
    const e3 = close(21) * (1 - SLIP);
    const q3 = (margin * lev) / e3;
    const x3 = e3 * (1 + 1 / lev - MMR);
    const expected = [
      { side: 'long', entryBar: 0, exitBar: 10, entryPrice: e1, exitPrice: x1, qty: q1, exit: 'take-profit' },
      { side: 'long', entryBar: 14, exitBar: 17, entryPrice: e2, exitPrice: x2, qty: q2, exit: 'stop-loss' },
      { side: 'short', entryBar: 21, exitBar: 25, entryPrice: e3, exitPrice: x3, qty: q3, exit: 'liquidation' },
    ] as const;

    expect(result.trades.map(({ side, entryBar, exitBar, exit }) => ({ side, entryBar, exitBar, exit }))).toEqual(
      expected.map(({ side, entryBar, exitBar, exit }) => ({ side, entryBar, exitBar, exit })),
    );
    let total = 0;
    for (const [i, want] of expected.entries()) {
      const got = result.trades[i]!;
      expect(got.entryPrice).toBeCloseTo(want.entryPrice, 9);
      expect(got.exitPrice).toBeCloseTo(want.exitPrice, 9);
      expect(got.qty).toBeCloseTo(want.qty, 9);
      const fees = want.qty * want.entryPrice * FEE + want.qty * want.exitPrice * FEE;
      const gross = (want.side === 'long' ? 1 : -1) * (want.exitPrice - want.entryPrice) * want.qty;
      expect(got.fees).toBeCloseTo(fees, 9);
      expect(got.pnl).toBeCloseTo(gross - fees, 9);
      expect(got.entryAt).toBe(bars[WARMUP + want.entryBar]!.openTime + BAR);
      total += gross - fees;
    }
    // The liquidation loses the margin less the maintenance margin, plus fees.
    expect(result.trades[2]!.pnl).toBeCloseTo(-(margin - MMR * margin * lev) - result.trades[2]!.fees, 6);

    const s = result.summary;
    expect(s.trades).toBe(3);
    expect(s.liquidations).toBe(1);
    expect(s.totalReturnPct).toBeCloseTo((total / margin) * 100, 9);
    expect(s.finalEquity).toBeCloseTo(margin + total, 9);
    expect(s.winRatePct).toBeCloseTo(100 / 3, 9);
    expect(s.feesUsdt).toBeCloseTo(
      result.trades.reduce((a, t) => a + t.fees, 0),
      9,
    );
    expect(s.buyHoldReturnPct).toBeCloseTo((close(28) / close(0) - 1) * 100, 9);
    // In a position at the closes of k 0–9, 14–16 and 21–24: 17 of 29 bars.
    expect(s.exposurePct).toBeCloseTo((17 / 29) * 100, 9);
    expect(result.bars).toBe(29);
    expect(result.warmupBars).toBe(WARMUP);
    expect(result.plan).toMatchObject({ strategy: 'supertrend', source: 'config' });
  });

  it('closes a position still open at the end of the period at the last close (exit `end`)', async () => {
    const bars = handMadeSeries().slice(0, WARMUP + 6);
    const result = await runBacktest({ params: params(bars), bars, costs });
    expect(result.trades).toHaveLength(1);
    expect(result.trades[0]).toMatchObject({ side: 'long', entryBar: 0, exitBar: 5, exit: 'end' });
    expect(result.trades[0]!.exitPrice).toBeCloseTo(bars[WARMUP + 5]!.close * (1 - SLIP), 9);
    expect(result.summary.finalEquity).toBeCloseTo(1000 + result.trades[0]!.pnl, 9);
  });

  it('stops at the session loss limit and stays flat for the rest of the period', async () => {
    const bars = handMadeSeries();
    // The 6 % drop at k 17 loses about 60 % of the margin at 10x: a 30 % limit stops the session
    // there. A tick checks the session loss before TP/SL, so the close is the drawdown stop's.
    const result = await runBacktest({ params: params(bars, { maxSessionLossPct: 30 }), bars, costs });
    expect(result.trades.map((t) => [t.exit, t.exitBar])).toEqual([
      ['take-profit', 10],
      ['drawdown stop', 17],
    ]);
    expect(result.summary.exposurePct).toBeCloseTo((13 / 29) * 100, 9);
    const equity = result.summary.finalEquity;
    expect(equity).toBeCloseTo(1000 + result.trades[0]!.pnl + result.trades[1]!.pnl, 9);
  });
});

describe('runBacktest on simulated history', () => {
  const to = Date.UTC(2024, 6, 1);
  const simulated = createSimulatedProvider({ now: () => to, seed: 11 });

  async function history(n: number): Promise<Candle[]> {
    return simulated.candles(parseSymbol('ETHUSDT')!, '15m', n);
  }

  it('is deterministic: the same bars and settings give the same result', async () => {
    const bars = await history(3_300);
    const p = params(bars, { symbol: 'ETHUSDT', strategy: 'ema_crossover', leverage: 3, tpPct: 3, slPct: 1.5, maxSessionLossPct: 80 });
    const [a, b] = await Promise.all([runBacktest({ params: p, bars, costs }), runBacktest({ params: p, bars, costs })]);
    expect(a.trades.length).toBeGreaterThan(5);
    expect(b).toEqual(a);
    expect(a.equity.length).toBeLessThanOrEqual(1_000);
    expect(a.equity.at(-1)!.value).toBeCloseTo(a.summary.finalEquity, 9);
  });

  it('`auto` plans on rules (no LLM) and says so', async () => {
    const bars = await history(1_300);
    const result = await runBacktest({ params: params(bars, { strategy: 'auto', maxSessionLossPct: 80 }), bars, costs });
    expect(result.plan.source).toBe('rules');
  });

  it('compares every strategy on the same bars, best first, with the top five curves', async () => {
    const bars = await history(1_300);
    const { strategy: _s, ...p } = params(bars, { symbol: 'ETHUSDT', leverage: 2, maxSessionLossPct: 80 });
    const progress: number[] = [];
    const cmp = await runComparison({ params: p, bars, costs, onProgress: (e) => progress.push(e.barsDone) });
    expect(cmp.rows).toHaveLength(24);
    const returns = cmp.rows.map((r) => r.summary.totalReturnPct);
    expect(returns).toEqual([...returns].sort((x, y) => y - x));
    expect(cmp.top.map((t) => t.strategy)).toEqual(cmp.rows.slice(0, 5).map((r) => r.strategy));
    expect(progress).toHaveLength(24);
    expect(progress.at(-1)).toBe(cmp.bars * 24);
  });
});
