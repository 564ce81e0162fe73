/**
 * From backtest results (src/hub/backtest/types.ts) to chart specs: the run's heading, its equity
 * against buy-and-hold, its trades on the price (cut to the latest `TRADES_SHOWN`), and the best
 * curves of a comparison. Pure functions; the specs stay small, as they cross into the worker.
 */
import { AUTO_STRATEGY, type BacktestParams, type BacktestResult, type BacktestTrade, type ComparisonResult } from '../backtest/types.js';
import type {
  BacktestEquityChartSpec,
  BacktestHeading,
  BacktestTradeMark,
  BacktestTradesChartSpec,
  ComparisonChartSpec,
} from './chart-spec.js';

/** Most trades a trades picture marks: beyond, only the latest are drawn (and the subtitle says so). */
export const TRADES_SHOWN = 300;

/** Share of the drawn trades' time span shown before the first of them, so it does not sit on the axis. */
const LEAD_IN = 0.02;

/** The fill model and leverage, for the footer. */
function fillNotes(params: Pick<BacktestParams, 'leverage'>, costs: BacktestResult['costs']): string[] {
  return [`paper fills: fee ${costs.feeBps} bps, slippage ${costs.slippageBps} bps`, `${params.leverage}× leverage`];
}

function heading(
  result: Pick<BacktestResult, 'firstBarAt' | 'lastBarAt' | 'costs'> & { params: Omit<BacktestParams, 'strategy'> },
  strategy: string,
  timeZone: string,
): BacktestHeading {
  const { params } = result;
  return {
    symbol: params.symbol,
    timeframe: params.timeframe,
    strategy,
    fromMs: result.firstBarAt,
    toMs: result.lastBarAt,
    quote: 'USDT',
    capital: params.amountUsdt,
    timeZone,
    notes: fillNotes(params, result.costs),
  };
}

/** `trend_following`, or `auto → trend_following` when the rules planner chose. */
export function strategyLabel(result: Pick<BacktestResult, 'params' | 'plan'>): string {
  return result.params.strategy === AUTO_STRATEGY ? `${AUTO_STRATEGY} → ${result.plan.strategy}` : result.params.strategy;
}

export function backtestEquitySpec(result: BacktestResult, timeZone: string): BacktestEquityChartSpec {
  const { summary } = result;
  return {
    kind: 'backtest-equity',
    ...heading(result, strategyLabel(result), timeZone),
    equity: result.equity,
    buyHold: result.buyHold,
    totalReturnPct: summary.totalReturnPct,
    buyHoldReturnPct: summary.buyHoldReturnPct,
    maxDrawdownPct: summary.maxDrawdownPct,
    trades: summary.trades,
  };
}

function tradeMark(t: BacktestTrade): BacktestTradeMark {
  const { side, entryAt, entryPrice, exitAt, exitPrice, pnl } = t;
  return { side, entryAt, entryPrice, exitAt, exitPrice, pnl, liquidated: t.exit === 'liquidation' };
}

/** The run's trades on its closes; beyond `limit` trades, the last `limit` and the closes from shortly before them. */
export function backtestTradesSpec(result: BacktestResult, timeZone: string, limit = TRADES_SHOWN): BacktestTradesChartSpec {
  const head = heading(result, strategyLabel(result), timeZone);
  const ordered = [...result.trades].sort((a, b) => a.entryAt - b.entryAt);
  const shown = ordered.slice(-limit);
  let shownFromMs = head.fromMs;
  let prices = result.prices;
  if (shown.length < ordered.length) {
    const first = shown[0]?.entryAt ?? head.fromMs;
    shownFromMs = Math.max(head.fromMs, first - (head.toMs - first) * LEAD_IN);
    // The last close before the window too, so the line starts at the axis.
    const start = Math.max(0, prices.findIndex((p) => p.at >= shownFromMs) - 1);
    prices = prices.slice(start);
  }
  return {
    kind: 'backtest-trades',
    ...head,
    prices,
    trades: shown.map(tradeMark),
    totalTrades: result.trades.length,
    shownFromMs,
  };
}

/** Percent change from a curve's first value to its last; 0 for a curve of less than two points or from 0. */
function curveReturnPct(points: BacktestResult['equity']): number {
  const first = points[0]?.value ?? 0;
  const last = points.at(-1)?.value ?? first;
  return first === 0 ? 0 : ((last - first) / first) * 100;
}

export function comparisonSpec(result: ComparisonResult, timeZone: string): ComparisonChartSpec {
  const returns = new Map(result.rows.map((row) => [row.strategy, row.summary.totalReturnPct]));
  const compared = result.rows.length;
  const curves = result.top.map((top) => ({
    name: top.strategy,
    returnPct: returns.get(top.strategy) ?? curveReturnPct(top.equity),
    points: top.equity,
  }));
  return {
    kind: 'comparison',
    ...heading(result, `top ${curves.length} of ${compared} strategies`, timeZone),
    curves,
    buyHold: {
      name: 'buy & hold',
      returnPct: result.rows[0]?.summary.buyHoldReturnPct ?? curveReturnPct(result.buyHold),
      points: result.buyHold,
    },
    compared,
  };
}
