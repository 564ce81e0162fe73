/**
 * The /leaderboard ranking of opted-in paper agents. Pure. Rows carry the agent's name and figures
 * only: whoever owns an agent never reaches this module's output.
 */
import { dailyReturns, sharpeRatio } from './ratios.js';
import { tradeStats, type TradeOutcome } from './trade-stats.js';

export interface LeaderboardEntrant {
  name: string;
  /** The agent's capital (`amountUsdt`), USDT. */
  capital: number;
  /** Its closed paper trades. */
  trades: readonly TradeOutcome[];
}

export interface LeaderboardRow {
  /** 1-based; equal figures still get distinct ranks, in the order below. */
  rank: number;
  name: string;
  /** Realised PnL / capital as a fraction; null when the capital is not positive. */
  roi: number | null;
  pnl: number;
  trades: number;
  winRate: number | null;
  /** Deepest fall of the equity curve, as a positive fraction of its peak. */
  maxDrawdownPct: number;
  /** Annualised daily Sharpe ratio (./ratios.ts); null when undefined. */
  sharpe: number | null;
}

/** Ranked by ROI (highest first, unknown last), then PnL, then name. */
export function rankLeaderboard(entrants: readonly LeaderboardEntrant[]): LeaderboardRow[] {
  return entrants
    .map((e) => {
      const stats = tradeStats(e.trades, e.capital);
      return {
        rank: 0,
        name: e.name,
        roi: stats.roi,
        pnl: stats.pnl,
        trades: stats.trades,
        winRate: stats.winRate,
        maxDrawdownPct: stats.maxDrawdown.pct,
        sharpe: sharpeRatio(dailyReturns(e.capital, e.trades)),
      };
    })
    .sort((a, b) => (b.roi ?? -Infinity) - (a.roi ?? -Infinity) || b.pnl - a.pnl || a.name.localeCompare(b.name))
    .map((row, i) => ({ ...row, rank: i + 1 }));
}
