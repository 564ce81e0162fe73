/**
 * The figures of /profit (and, per group, of /stats, /daily and /performance) from a list of closed
 * trades: one definition of each, so every command and the leaderboard agree. Pure: no database,
 * no clock. Money is in quote currency (USDT); `pnl` is net of fees, as stored on the trade.
 *
 * Definitions:
 * - a win is a trade with pnl > 0 and a loss one with pnl < 0; a trade at exactly 0 is neither
 *   but still counts as a trade, so it lowers the win rate (win rate = wins / trades);
 * - ROI on capital = realised PnL / capital, where capital is the sum of `amountUsdt` of the agents
 *   the report covers (a fraction: 0.05 = 5 %);
 * - profit factor = gross profit / gross loss (both positive sums); Infinity when there are wins
 *   and no loss, null when there are no trades or neither wins nor losses;
 * - expectancy = mean pnl per trade;
 * - duration = closedAt − openedAt, averaged over the trades;
 * - maximum drawdown = deepest fall of the equity curve that starts at the capital (./equity.ts).
 */
import { equityCurve, inCloseOrder, maxDrawdown, type ClosedPnl, type MaxDrawdown } from './equity.js';

/** What the figures need of a closed trade. */
export interface TradeOutcome extends ClosedPnl {
  openedAt: Date;
  /** Fees of the open and the close, quote currency (already inside `pnl`). */
  fees: number;
}

/** Counts and PnL of a group of trades: the columns of /daily and /performance. */
export interface Tally {
  trades: number;
  wins: number;
  /** Realised PnL, net of fees. */
  pnl: number;
  /** wins / trades as a fraction; null when there are no trades. */
  winRate: number | null;
}

export interface TradeStats<T> extends Tally {
  losses: number;
  /** Trades at exactly 0 PnL (neither wins nor losses). */
  breakeven: number;
  fees: number;
  capital: number;
  /** pnl / capital as a fraction; null when the capital is not positive. */
  roi: number | null;
  grossProfit: number;
  /** Sum of the losing trades' PnL as a positive amount. */
  grossLoss: number;
  /** See the module comment: Infinity (no loss), null (no trades, or no win and no loss). */
  profitFactor: number | null;
  /** Mean pnl per trade; null when there are no trades. */
  expectancy: number | null;
  /** Mean closedAt − openedAt in ms; null when there are no trades. */
  avgDurationMs: number | null;
  /** The trade with the highest (lowest) pnl; the earliest closed of equals; null when none. */
  best: T | null;
  worst: T | null;
  maxDrawdown: MaxDrawdown;
}

export function isWin(trade: Pick<ClosedPnl, 'pnl'>): boolean {
  return trade.pnl > 0;
}

export function tally(trades: readonly Pick<ClosedPnl, 'pnl'>[]): Tally {
  const wins = trades.filter(isWin).length;
  const pnl = trades.reduce((sum, t) => sum + t.pnl, 0);
  return { trades: trades.length, wins, pnl, winRate: trades.length ? wins / trades.length : null };
}

function profitFactorOf(grossProfit: number, grossLoss: number): number | null {
  if (grossLoss > 0) return grossProfit / grossLoss;
  return grossProfit > 0 ? Infinity : null;
}

/** Every figure of the module comment for `trades` over `capital` (USDT). */
export function tradeStats<T extends TradeOutcome>(trades: readonly T[], capital: number): TradeStats<T> {
  const ordered = inCloseOrder(trades);
  const base = tally(ordered);
  const n = ordered.length;
  let grossProfit = 0;
  let grossLoss = 0;
  let fees = 0;
  let durationMs = 0;
  let best: T | null = null;
  let worst: T | null = null;
  for (const t of ordered) {
    if (t.pnl > 0) grossProfit += t.pnl;
    if (t.pnl < 0) grossLoss -= t.pnl;
    fees += t.fees;
    durationMs += t.closedAt.getTime() - t.openedAt.getTime();
    if (!best || t.pnl > best.pnl) best = t;
    if (!worst || t.pnl < worst.pnl) worst = t;
  }
  const losses = ordered.filter((t) => t.pnl < 0).length;
  return {
    ...base,
    losses,
    breakeven: n - base.wins - losses,
    fees,
    capital,
    roi: capital > 0 ? base.pnl / capital : null,
    grossProfit,
    grossLoss,
    profitFactor: n ? profitFactorOf(grossProfit, grossLoss) : null,
    expectancy: n ? base.pnl / n : null,
    avgDurationMs: n ? durationMs / n : null,
    best,
    worst,
    maxDrawdown: maxDrawdown(equityCurve(capital, ordered)),
  };
}
