/**
 * The result of a backtest from what the run recorded: the books' trades in the traded bars'
 * terms, the summary figures (./metrics.ts) and the curves for the charts, downsampled.
 */
import type { StrategyPlan } from '../../engine/planner.js';
import { closeKindOf } from '../analytics/close-reasons.js';
import { tradeReason } from '../broker/order-results.js';
import { INTERVAL_MS, type Candle } from '../../shared/market.js';
import type { BacktestMarket, BookTrade } from './backtest-market.js';
import { sampleIndexes, summarize } from './metrics.js';
import {
  CURVE_POINTS,
  type BacktestCosts,
  type BacktestExitKind,
  type BacktestParams,
  type BacktestResult,
  type BacktestTrade,
} from './types.js';

/** What the engine run recorded. */
export interface EngineRun {
  /** Equity (capital + PnL, marked to market) at each traded bar's close, USDT. */
  equity: number[];
  /** Traded bars with a position open at the close. */
  barsInPosition: number;
  plan: StrategyPlan | null;
}

export interface ResultInput {
  params: BacktestParams;
  costs: BacktestCosts;
  /** All bars (warm-up first); `firstBar` is the first traded one. */
  bars: readonly Candle[];
  firstBar: number;
  market: BacktestMarket;
  run: EngineRun;
}

/** The stop reason the runner gives the engine at the end of the period (the trade's `exit` is `end`). */
export const END_OF_PERIOD = 'end of the backtest period';
/** How the engine words that close (stop-session.ts: `stop: <reason>`). */
const END_PREFIX = `stop: ${END_OF_PERIOD}`;

function exitKind(t: BookTrade): BacktestExitKind {
  if (t.liquidated) return 'liquidation';
  if (t.reason.startsWith(END_PREFIX)) return 'end';
  const kind = closeKindOf(tradeReason(t.reason, 64));
  return kind === 'take-profit' || kind === 'stop-loss' || kind === 'drawdown stop' || kind === 'liquidation' ? kind : 'signal';
}

export function toResult(input: ResultInput): BacktestResult {
  const { params, bars, firstBar, market, run } = input;
  const barMs = INTERVAL_MS[params.timeframe];
  const closeAt = (i: number) => bars[i]!.openTime + barMs;
  const traded = bars.slice(firstBar);
  const trades: BacktestTrade[] = market.trades.map((t) => ({
    side: t.side,
    entryBar: t.entryBar - firstBar,
    exitBar: t.exitBar - firstBar,
    entryAt: closeAt(t.entryBar),
    exitAt: closeAt(t.exitBar),
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice,
    qty: t.qty,
    fees: t.fees,
    pnl: t.pnl,
    exit: exitKind(t),
    reason: t.reason,
  }));
  const closes = traded.map((b) => b.close);
  const summary = summarize({
    interval: params.timeframe,
    capital: params.amountUsdt,
    equity: run.equity,
    closes,
    trades: market.trades.map((t) => ({ pnl: t.pnl, fees: t.fees, bars: t.exitBar - t.entryBar, liquidated: t.liquidated })),
    barsInPosition: run.barsInPosition,
  });
  const first = closes[0]!;
  const sampled = sampleIndexes(traded.length, CURVE_POINTS);
  const curve = (value: (i: number) => number) => sampled.map((i) => ({ at: traded[i]!.openTime + barMs, value: value(i) }));
  const plan = run.plan;
  if (!plan) throw new Error('the engine made no plan');
  return {
    params,
    costs: input.costs,
    plan: {
      strategy: plan.strategy,
      lookback: plan.lookback,
      threshold: plan.threshold,
      source: plan.source === 'config' ? 'config' : 'rules',
      reasoning: plan.reasoning,
    },
    bars: traded.length,
    warmupBars: firstBar,
    firstBarAt: traded[0]!.openTime,
    lastBarAt: closeAt(bars.length - 1),
    summary,
    trades,
    equity: curve((i) => run.equity[i] ?? params.amountUsdt),
    buyHold: curve((i) => params.amountUsdt * (closes[i]! / first)),
    prices: curve((i) => closes[i]!),
  };
}
