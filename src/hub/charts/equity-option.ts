/**
 * The ECharts option of an equity chart: the equity curve as steps (it moves only when a trade
 * closes), its running peak dashed, and the drawdown — the gap between the two — shaded red.
 * Figures in the subtitle come from the same curve (src/hub/analytics/equity.ts).
 *
 * The time axis is a value axis with round steps (./chart-frame.ts `timeAxis`).
 */
import type { EChartsOption } from 'echarts';
import { maxDrawdown } from '../analytics/equity.js';
import type { EquityChartSpec } from './chart-spec.js';
import { frameOption, timeAxis, valueAxis } from './chart-frame.js';
import { COLORS } from './chart-theme.js';
import { formatPrice, formatSigned } from './price-format.js';
import { priceScale } from './price-scale.js';
import { timeScale } from './time-labels.js';

function subtitle(spec: EquityChartSpec): string {
  const { curve, quote } = spec;
  const start = curve[0]!.equity;
  const end = curve.at(-1)!.equity;
  const change = start > 0 ? ` (${formatSigned(((end - start) / start) * 100)} %)` : '';
  const dd = maxDrawdown(curve);
  const trades = curve.length - 1;
  return [
    `${formatPrice(start, 2)} → ${formatPrice(end, 2)} ${quote}${change}`,
    `max drawdown ${(dd.pct * 100).toFixed(2)} % (${formatSigned(-dd.amount)})`,
    `${trades} closed ${trades === 1 ? 'trade' : 'trades'}`,
  ].join(' · ');
}

export function equityOption(spec: EquityChartSpec): EChartsOption {
  const { curve } = spec;
  const time = timeScale(curve[0]!.at, curve.at(-1)!.at);
  const money = priceScale(curve.flatMap((p) => [p.equity, p.peak]));
  const frame = frameOption({
    title: `Equity · ${spec.subject}`,
    subtitle: subtitle(spec),
    timeZone: spec.timeZone,
    notes: spec.notes,
    legend: [
      { text: '— equity', color: COLORS.equity },
      { text: '– – peak', color: COLORS.peak },
      { text: '■ drawdown', color: COLORS.loss },
    ],
  });
  const steps = { type: 'line' as const, step: 'end' as const, showSymbol: false, silent: true };
  return {
    ...frame,
    xAxis: timeAxis(time, spec.timeZone),
    yAxis: valueAxis((v) => formatPrice(v, money.decimals), money),
    series: [
      // The shaded band: equity as an invisible base, the drawdown stacked on it up to the peak
      // (`stackStrategy: 'all'`: equity may be negative and the band must still sit on it).
      { ...steps, stack: 'dd', stackStrategy: 'all', data: curve.map((p) => [p.at, p.equity]), lineStyle: { opacity: 0 } },
      {
        ...steps,
        stack: 'dd',
        stackStrategy: 'all',
        data: curve.map((p) => [p.at, -p.drawdown]),
        lineStyle: { opacity: 0 },
        areaStyle: { color: COLORS.drawdown, opacity: 1 },
      },
      { ...steps, data: curve.map((p) => [p.at, p.peak]), lineStyle: { color: COLORS.peak, width: 2, type: 'dashed' } },
      { ...steps, data: curve.map((p) => [p.at, p.equity]), lineStyle: { color: COLORS.equity, width: 4 } },
    ],
  };
}
