/**
 * The ECharts option of a backtest's equity picture: the strategy's equity (marked to market at
 * bar closes) against buy-and-hold of the same capital, the starting capital dashed, and the
 * maximum drawdown shaded from its peak to its trough. The drawdown figure is the summary's
 * (bar by bar); only where it happened is read from the sampled curve.
 */
import type { EChartsOption, LineSeriesOption } from 'echarts';
import { maxDrawdown } from '../analytics/equity.js';
import type { CurvePoint } from '../backtest/types.js';
import { backtestFrame, curveSeries, curveValues, formatPct, moneyAxis, periodAxis, withBaseline } from './backtest-frame.js';
import type { BacktestEquityChartSpec } from './chart-spec.js';
import { COLORS } from './chart-theme.js';
import { formatPrice } from './price-format.js';

/** Where the sampled curve's deepest fall runs (peak → trough), or null when it never falls. */
export function drawdownSpan(equity: readonly CurvePoint[]): { from: number; to: number } | null {
  const dd = maxDrawdown(equity.map((p) => ({ at: p.at, equity: p.value })));
  return dd.amount > 0 && dd.peakAt !== null && dd.troughAt !== null ? { from: dd.peakAt, to: dd.troughAt } : null;
}

function subtitle(spec: BacktestEquityChartSpec): string {
  const end = spec.equity.at(-1)?.value ?? spec.capital;
  return [
    `${formatPrice(spec.capital, 2)} → ${formatPrice(end, 2)} ${spec.quote} (${formatPct(spec.totalReturnPct)})`,
    `buy & hold ${formatPct(spec.buyHoldReturnPct)}`,
    `max drawdown ${spec.maxDrawdownPct.toFixed(2)} %`,
    `${spec.trades} ${spec.trades === 1 ? 'trade' : 'trades'}`,
  ].join(' · ');
}

/** The strategy's line, with the start capital and the drawdown span as its marks. */
function equitySeries(spec: BacktestEquityChartSpec): LineSeriesOption {
  const line = withBaseline({ ...curveSeries(spec.equity, COLORS.equity, 3.5), name: spec.strategy }, spec.capital);
  const span = drawdownSpan(spec.equity);
  if (!span) return line;
  return {
    ...line,
    z: 3,
    markArea: {
      silent: true,
      animation: false,
      itemStyle: { color: COLORS.drawdown },
      label: { show: false },
      data: [[{ xAxis: span.from }, { xAxis: span.to }]],
    },
  };
}

export function backtestEquityOption(spec: BacktestEquityChartSpec): EChartsOption {
  const frame = backtestFrame(spec, subtitle(spec), [
    { text: `— ${spec.strategy}`, color: COLORS.equity },
    { text: '— buy & hold', color: COLORS.buyHold },
    { text: `– – start ${formatPrice(spec.capital, 2)} ${spec.quote}`, color: COLORS.baseline },
    ...(drawdownSpan(spec.equity) ? [{ text: '■ max drawdown', color: COLORS.loss }] : []),
  ]);
  return {
    ...frame,
    xAxis: periodAxis(spec.fromMs, spec.toMs, spec.timeZone),
    yAxis: moneyAxis([spec.capital, ...curveValues(spec.equity, spec.buyHold)], spec.quote),
    series: [{ ...curveSeries(spec.buyHold, COLORS.buyHold, 2.5), name: 'buy & hold' }, equitySeries(spec)],
  };
}
