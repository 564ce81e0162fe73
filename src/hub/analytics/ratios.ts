/**
 * Risk-adjusted return of a set of closed trades, for the leaderboard. Pure.
 *
 * Sharpe ratio = mean / standard deviation (sample, n − 1) of the daily returns of equity,
 * annualised by √365 (crypto trades every day), risk-free rate 0. Daily returns come from the
 * equity curve that starts at the capital (./equity.ts): one return per UTC day from the day of the
 * first close to the day of the last close, days without a close included (return 0), each day's
 * return = that day's PnL / the equity at the end of the day before. Null ("—") when there are
 * fewer than 2 days, the returns do not vary, or the equity fell to zero or below.
 */
import { inCloseOrder, type ClosedPnl } from './equity.js';
import { periodStart, shiftPeriod } from './periods.js';

export const DAYS_PER_YEAR = 365;

/** One return per UTC day (fractions: 0.01 = +1 %); null once the equity is no longer positive. */
export function dailyReturns(capital: number, trades: readonly ClosedPnl[]): number[] | null {
  const ordered = inCloseOrder(trades);
  if (!ordered.length) return [];
  const pnlByDay = new Map<number, number>();
  for (const t of ordered) {
    const day = periodStart('day', t.closedAt.getTime());
    pnlByDay.set(day, (pnlByDay.get(day) ?? 0) + t.pnl);
  }
  const last = periodStart('day', ordered.at(-1)!.closedAt.getTime());
  const returns: number[] = [];
  let equity = capital;
  for (let day = periodStart('day', ordered[0]!.closedAt.getTime()); day <= last; day = shiftPeriod('day', day, 1)) {
    if (equity <= 0) return null;
    const pnl = pnlByDay.get(day) ?? 0;
    returns.push(pnl / equity);
    equity += pnl;
  }
  return returns;
}

/** Annualised Sharpe ratio of daily `returns` (see the module comment); null when undefined. */
export function sharpeRatio(returns: readonly number[] | null): number | null {
  if (!returns || returns.length < 2) return null;
  const mean = returns.reduce((s, r) => s + r, 0) / returns.length;
  const variance = returns.reduce((s, r) => s + (r - mean) ** 2, 0) / (returns.length - 1);
  const stdev = Math.sqrt(variance);
  // Below float noise the returns are equal: a ratio would only magnify rounding.
  if (!(stdev > 1e-12)) return null;
  return (mean / stdev) * Math.sqrt(DAYS_PER_YEAR);
}
