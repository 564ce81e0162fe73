/**
 * Hand-made backtest results for tests of what the bot shows (src/hub/backtest/types.ts shapes):
 * one backtest with a few trades, and a comparison of every strategy.
 */
import type { BacktestParams, BacktestResult, BacktestSummary, ComparisonResult, CurvePoint } from '../../src/hub/backtest/types.js';
import { STRATEGY_NAMES } from '../../src/shared/strategy-names.js';

const DAY = 86_400_000;
export const FROM = Date.UTC(2026, 7, 1);
export const TO = FROM + 90 * DAY;

export function params(over: Partial<BacktestParams> = {}): BacktestParams {
  return {
    symbol: 'BTCUSDT',
    timeframe: '15m',
    strategy: 'trend_following',
    fromMs: FROM,
    toMs: TO,
    amountUsdt: 1000,
    leverage: 3,
    tpPct: 3,
    slPct: 1.5,
    tpSlMode: 'fixed',
    riskProfile: 'moderate',
    maxSessionLossPct: 10,
    liveMode: false,
    ...over,
  };
}

export function summary(over: Partial<BacktestSummary> = {}): BacktestSummary {
  return {
    totalReturnPct: 12.345,
    buyHoldReturnPct: -5.1,
    maxDrawdownPct: 8.2,
    sharpe: 1.234,
    sortino: 1.8,
    winRatePct: 55,
    profitFactor: 1.45,
    trades: 42,
    avgDurationMs: 12_000_000,
    exposurePct: 38,
    feesUsdt: 12.3,
    liquidations: 1,
    finalEquity: 1123.45,
    ...over,
  };
}

function curve(start: number, step: number): CurvePoint[] {
  return Array.from({ length: 20 }, (_, i) => ({ at: FROM + (i + 1) * 4.5 * DAY, value: start + i * step }));
}

export function backtestResult(over: Partial<BacktestParams> = {}, s: Partial<BacktestSummary> = {}): BacktestResult {
  const p = params(over);
  return {
    params: p,
    costs: { feeBps: 10, slippageBps: 5 },
    plan: {
      strategy: p.strategy === 'auto' ? 'macd_signal' : p.strategy,
      lookback: 50,
      threshold: 0.2,
      source: p.strategy === 'auto' ? 'rules' : 'config',
      reasoning: 'trend up',
    },
    bars: 8640,
    warmupBars: 200,
    firstBarAt: FROM,
    lastBarAt: TO,
    summary: summary(s),
    trades: [
      {
        side: 'long',
        entryBar: 10,
        exitBar: 20,
        entryAt: FROM + 11 * 900_000,
        exitAt: FROM + 21 * 900_000,
        entryPrice: 100,
        exitPrice: 103,
        qty: 30,
        fees: 0.6,
        pnl: 89.4,
        exit: 'take-profit',
        reason: 'TP hit',
      },
    ],
    equity: curve(1000, 6),
    buyHold: curve(1000, -2),
    prices: curve(100, 0.5),
  };
}

export function comparisonResult(over: Partial<BacktestParams> = {}): ComparisonResult {
  const { strategy: _s, ...p } = params(over);
  const rows = STRATEGY_NAMES.map((strategy, i) => ({
    strategy,
    summary: summary({ totalReturnPct: 30 - i * 2.5, maxDrawdownPct: 5 + i, trades: 10 + i }),
  }));
  return {
    params: p,
    costs: { feeBps: 10, slippageBps: 5 },
    bars: 8640,
    firstBarAt: FROM,
    lastBarAt: TO,
    rows,
    top: rows.slice(0, 5).map((r, i) => ({ strategy: r.strategy, equity: curve(1000, 5 - i) })),
    buyHold: curve(1000, -2),
  };
}
