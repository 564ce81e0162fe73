/**
 * The ECharts option of a `/compare` picture: the equity of the best strategies on the same bars
 * (one colour each, best first and drawn on top), buy-and-hold of the same capital in grey,
 * the starting capital as a dashed line; the legend gives each line's total return.
 */
import type { EChartsOption, LineSeriesOption } from 'echarts';
import { backtestFrame, curveSeries, curveValues, formatPct, moneyAxis, periodAxis, withBaseline } from './backtest-frame.js';
import type { ComparisonChartSpec } from './chart-spec.js';
import { COLORS } from './chart-theme.js';
import { formatPrice } from './price-format.js';

/** The colour of the `rank`-th curve (0 = best). */
export function rankColor(rank: number): string {
  return COLORS.ranks[rank % COLORS.ranks.length]!;
}

function subtitle(spec: ComparisonChartSpec): string {
  const best = spec.curves[0];
  return [
    `${formatPrice(spec.capital, 2)} ${spec.quote} each, on the same bars`,
    ...(best ? [`best: ${best.name} ${formatPct(best.returnPct)}`] : ['no strategy to show']),
    `buy & hold ${formatPct(spec.buyHold.returnPct)}`,
  ].join(' · ');
}

export function comparisonOption(spec: ComparisonChartSpec): EChartsOption {
  const frame = backtestFrame(spec, subtitle(spec), [
    ...spec.curves.map((curve, rank) => ({ text: `— ${curve.name} ${formatPct(curve.returnPct)}`, color: rankColor(rank) })),
    { text: `— buy & hold ${formatPct(spec.buyHold.returnPct)}`, color: COLORS.buyHold },
  ]);
  // The best last, so it is drawn over the others.
  const ranked: LineSeriesOption[] = spec.curves
    .map((curve, rank) => ({ ...curveSeries(curve.points, rankColor(rank), rank === 0 ? 3.5 : 2.5), name: curve.name, z: 10 - rank }))
    .reverse();
  const buyHold: LineSeriesOption = { ...curveSeries(spec.buyHold.points, COLORS.buyHold, 2), name: spec.buyHold.name, z: 1 };
  return {
    ...frame,
    xAxis: periodAxis(spec.fromMs, spec.toMs, spec.timeZone),
    yAxis: moneyAxis([spec.capital, ...curveValues(spec.buyHold.points, ...spec.curves.map((c) => c.points))], spec.quote),
    series: [withBaseline(buyHold, spec.capital), ...ranked],
  };
}
