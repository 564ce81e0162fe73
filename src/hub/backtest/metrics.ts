/**
 * The figures of a backtest, from its bar-by-bar equity and its closed trades. Pure.
 *
 * Equity is marked to market at every traded bar's close (open fee already paid), so the maximum
 * drawdown and the ratios see losses a trade recovered from before it closed. Sharpe and Sortino
 * are annualised from per-bar returns with the bar count of a calendar year (crypto trades every
 * day): `mean / sd × √(bars per year)`, Sortino with the downside deviation (returns below 0).
 */
import { INTERVAL_MS, type Interval } from '../../shared/market.js';
import type { BacktestSummary } from './types.js';

const YEAR_MS = 365 * 86_400_000;

export interface MetricTrade {
  pnl: number;
  fees: number;
  /** Bars held (exit bar − entry bar; a trade opened and closed on consecutive closes held 1). */
  bars: number;
  liquidated: boolean;
}

export interface MetricInput {
  interval: Interval;
  capital: number;
  /** Equity at each traded bar's close, USDT. */
  equity: readonly number[];
  /** Closes of the same bars (buy-and-hold). */
  closes: readonly number[];
  trades: readonly MetricTrade[];
  /** Traded bars during which a position was open at the close. */
  barsInPosition: number;
}

export function summarize(input: MetricInput): BacktestSummary {
  const { capital, equity, closes, trades } = input;
  const barMs = INTERVAL_MS[input.interval];
  const last = equity.length > 0 ? equity[equity.length - 1]! : capital;
  const first = closes[0];
  const wins = trades.filter((t) => t.pnl > 0);
  const grossWin = wins.reduce((s, t) => s + t.pnl, 0);
  const grossLoss = -trades.filter((t) => t.pnl < 0).reduce((s, t) => s + t.pnl, 0);
  const returns = barReturns(capital, equity);
  const perYear = Math.sqrt(YEAR_MS / barMs);
  return {
    totalReturnPct: ((last - capital) / capital) * 100,
    buyHoldReturnPct: first !== undefined && first > 0 ? ((closes[closes.length - 1]! - first) / first) * 100 : 0,
    maxDrawdownPct: maxDrawdownPct(capital, equity),
    sharpe: ratio(returns, standardDeviation(returns), perYear),
    sortino: ratio(returns, downsideDeviation(returns), perYear),
    winRatePct: trades.length > 0 ? (wins.length / trades.length) * 100 : null,
    profitFactor: grossLoss > 0 ? grossWin / grossLoss : null,
    trades: trades.length,
    avgDurationMs: trades.length > 0 ? (trades.reduce((s, t) => s + t.bars, 0) / trades.length) * barMs : null,
    exposurePct: equity.length > 0 ? (input.barsInPosition / equity.length) * 100 : 0,
    feesUsdt: trades.reduce((s, t) => s + t.fees, 0),
    liquidations: trades.filter((t) => t.liquidated).length,
    finalEquity: last,
  };
}

/** Largest fall from a running peak (the starting capital counts as one), percent of that peak. */
export function maxDrawdownPct(capital: number, equity: readonly number[]): number {
  let peak = capital;
  let worst = 0;
  for (const e of equity) {
    if (e > peak) peak = e;
    else if (peak > 0) worst = Math.max(worst, (peak - e) / peak);
  }
  return worst * 100;
}

/** Per-bar simple returns, the first against the starting capital; a bar at or below 0 ends them. */
function barReturns(capital: number, equity: readonly number[]): number[] {
  const out: number[] = [];
  let prev = capital;
  for (const e of equity) {
    if (!(prev > 0)) break;
    out.push(e / prev - 1);
    prev = e;
  }
  return out;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

function standardDeviation(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

function downsideDeviation(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  return Math.sqrt(xs.reduce((s, x) => s + Math.min(0, x) ** 2, 0) / (xs.length - 1));
}

/** `mean / deviation × scale`, or null when the deviation is 0 (no risk taken, or no loss for Sortino). */
function ratio(returns: readonly number[], deviation: number, scale: number): number | null {
  if (returns.length < 2 || !(deviation > 0)) return null;
  return (mean(returns) / deviation) * scale;
}

/**
 * Which of `length` points a chart keeps: all of them, or `max` evenly spaced by index, always the
 * first and the last; every point kept is a real one (no averaging), so extremes between kept
 * points may be skipped — charts only.
 */
export function sampleIndexes(length: number, max: number): number[] {
  if (length <= max) return Array.from({ length }, (_, i) => i);
  const step = (length - 1) / (max - 1);
  return Array.from({ length: max }, (_, k) => Math.round(k * step));
}
