/** The year the backtest benches run on: 35,040 15m bars of the simulated BTCUSDT, and the settings tested. */
import type { BacktestParams } from '../../src/hub/backtest/types.js';
import { createSimulatedProvider } from '../../src/hub/market/simulated.js';
import { parseSymbol } from '../../src/hub/market/symbols.js';
import type { Candle } from '../../src/shared/market.js';

export const YEAR_BARS = 35_040;
const BAR = 15 * 60_000;
export const YEAR_END = Date.UTC(2026, 0, 1);
export const BENCH_COSTS = { feeBps: 6, slippageBps: 5 };

/** A year of bars plus 1,000 of warm-up (seed 42). */
export function yearOfBars(): Promise<Candle[]> {
  return createSimulatedProvider({ now: () => YEAR_END, seed: 42 }).candles(parseSymbol('BTCUSDT')!, '15m', YEAR_BARS + 1_000);
}

/** The settings benched: 1,000 USDT at 3x, TP 3 %, SL 1.5 %, no session loss stop (trades all year). */
export function yearParams<S extends BacktestParams['strategy'] | undefined>(
  strategy: S,
): S extends undefined ? Omit<BacktestParams, 'strategy'> : BacktestParams {
  const params = {
    symbol: 'BTCUSDT',
    timeframe: '15m' as const,
    fromMs: YEAR_END - YEAR_BARS * BAR,
    toMs: YEAR_END,
    amountUsdt: 1_000,
    leverage: 3,
    tpPct: 3,
    slPct: 1.5,
    tpSlMode: 'fixed' as const,
    riskProfile: 'moderate' as const,
    maxSessionLossPct: 0,
    liveMode: false,
  };
  return (strategy === undefined ? params : { ...params, strategy }) as never;
}
