/** `/compare`: every strategy's backtest on the same bars, ranked by total return. */
import type { BacktestCosts, BacktestParams, BacktestResult, ComparisonResult } from './types.js';

/** Curves drawn in the comparison picture. */
export const COMPARE_TOP = 5;

export function compareResults(
  params: Omit<BacktestParams, 'strategy'>,
  costs: BacktestCosts,
  results: readonly BacktestResult[],
): ComparisonResult {
  const ranked = [...results].sort((a, b) => b.summary.totalReturnPct - a.summary.totalReturnPct);
  const any = ranked[0];
  if (!any) throw new RangeError('nothing to compare');
  return {
    params,
    costs,
    bars: any.bars,
    firstBarAt: any.firstBarAt,
    lastBarAt: any.lastBarAt,
    rows: ranked.map((r) => ({ strategy: r.plan.strategy, summary: r.summary })),
    top: ranked.slice(0, COMPARE_TOP).map((r) => ({ strategy: r.plan.strategy, equity: r.equity })),
    buyHold: any.buyHold,
  };
}
