/**
 * The equity curve of a set of closed trades and its drawdown: the one definition that /profit,
 * /equity (the chart), the leaderboard and backtests share. Pure: no database, no clock.
 *
 * Money is in quote currency (USDT); `pnl` is net of fees, as stored on the trade. The curve starts
 * at `capital` and steps at each close, in close order; drawdown is measured from the running
 * peak, which includes the starting capital (a first losing trade is a drawdown).
 */

/** What the curve needs of a trade: when it closed and its net PnL. */
export interface ClosedPnl {
  closedAt: Date;
  pnl: number;
}

export interface EquityPoint {
  /** Epoch ms of the close that produced this point (the first point: `startAt`). */
  at: number;
  /** Capital plus realised PnL up to and including this point, in quote currency. */
  equity: number;
  /** Running peak of `equity` so far. */
  peak: number;
  /** `equity - peak`, ≤ 0, in quote currency. */
  drawdown: number;
  /** `drawdown / peak` as a fraction (−0.25 = 25 % below the peak); 0 when the peak is ≤ 0. */
  drawdownPct: number;
}

export interface MaxDrawdown {
  /** The deepest fall from a running peak, as a positive amount in quote currency (0 = none). */
  amount: number;
  /** The same fall as a positive fraction of that peak (0.25 = 25 %). */
  pct: number;
  /** Epoch ms of the peak and of the trough of that fall (null when there is none). */
  peakAt: number | null;
  troughAt: number | null;
}

function point(at: number, equity: number, peak: number): EquityPoint {
  const drawdown = Math.min(0, equity - peak);
  return { at, equity, peak, drawdown, drawdownPct: peak > 0 ? drawdown / peak : 0 };
}

/** The trades in close order (ties keep their given order). */
export function inCloseOrder<T extends ClosedPnl>(trades: readonly T[]): T[] {
  return trades
    .map((trade, index) => ({ trade, index }))
    .sort((a, b) => a.trade.closedAt.getTime() - b.trade.closedAt.getTime() || a.index - b.index)
    .map((entry) => entry.trade);
}

/**
 * The curve: one point at `startAt` (default: the first close, or 0 when there is none) holding
 * `capital`, then one point per trade in close order (ties keep their given order).
 */
export function equityCurve(capital: number, trades: readonly ClosedPnl[], startAt?: number): EquityPoint[] {
  const ordered = inCloseOrder(trades);
  const first = startAt ?? (ordered.length ? ordered[0]!.closedAt.getTime() : 0);
  const curve = [point(first, capital, capital)];
  let equity = capital;
  let peak = capital;
  for (const trade of ordered) {
    equity += trade.pnl;
    peak = Math.max(peak, equity);
    curve.push(point(trade.closedAt.getTime(), equity, peak));
  }
  return curve;
}

/** The deepest peak-to-trough fall of `curve` (as built by `equityCurve`, or any equity over time). */
export function maxDrawdown(curve: ReadonlyArray<Pick<EquityPoint, 'at' | 'equity'>>): MaxDrawdown {
  let worst: MaxDrawdown = { amount: 0, pct: 0, peakAt: null, troughAt: null };
  let peakAt: number | null = curve.length ? curve[0]!.at : null;
  let peak = curve.length ? curve[0]!.equity : 0;
  for (const p of curve) {
    if (p.equity > peak) {
      peak = p.equity;
      peakAt = p.at;
    }
    const fall = peak - p.equity;
    if (fall > worst.amount) worst = { amount: fall, pct: peak > 0 ? fall / peak : 0, peakAt, troughAt: p.at };
  }
  return worst;
}

/**
 * The curve of `capital` through closed `trades`, starting at the first trade's opening (the
 * chart's and the dashboard's curve: it shows the time before the first close).
 */
export function equityFromFirstOpen(capital: number, trades: ReadonlyArray<ClosedPnl & { openedAt: Date }>): EquityPoint[] {
  const startAt = Math.min(...trades.map((t) => t.openedAt.getTime()));
  return equityCurve(capital, trades, Number.isFinite(startAt) ? startAt : undefined);
}
