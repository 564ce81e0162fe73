/**
 * What the three backtest pictures share (equity, trades, comparison): the title naming the run
 * and its period over the legend in rows, a time axis over exactly that period, the money axis, the starting capital as a
 * dashed line, and returns written `+12.34 %`.
 */
import type { EChartsOption, LineSeriesOption } from 'echarts';
import type { CurvePoint } from '../backtest/types.js';
import type { BacktestHeading } from './chart-spec.js';
import { frameOption, timeAxis, valueAxis, type Frame } from './chart-frame.js';
import { COLORS } from './chart-theme.js';
import { formatPrice, formatSigned } from './price-format.js';
import { priceScale } from './price-scale.js';
import { dateRange, timeScale } from './time-labels.js';

/** `BTCUSDT 15m trend_following · Jan 5 – Mar 31 2025` (dates in the trader's zone). */
export function backtestTitle(spec: BacktestHeading): string {
  // `toMs` is the last bar's close: the period ends just before it.
  return `${spec.symbol} ${spec.timeframe} ${spec.strategy} · ${dateRange(spec.fromMs, spec.toMs - 1, spec.timeZone)}`;
}

/** The title naming the run, the subtitle, and the legend in rows under it. */
export function backtestFrame(spec: BacktestHeading, subtitle: string, legend: Frame['legend']): EChartsOption {
  return frameOption({ title: backtestTitle(spec), subtitle, timeZone: spec.timeZone, notes: spec.notes, legendAt: 'rows', legend });
}

/** `+12.34 %`, `−3.10 %`. */
export function formatPct(pct: number): string {
  return `${formatSigned(pct)} %`;
}

/** A time axis from `fromMs` to `toMs` edge to edge, labelled on round steps. */
export function periodAxis(fromMs: number, toMs: number, timeZone: string): EChartsOption['xAxis'] {
  const to = Math.max(toMs, fromMs + 1);
  return timeAxis({ ...timeScale(fromMs, to), min: fromMs, max: to }, timeZone);
}

/** The y axis over `values` in `quote`, with the quote named above it. */
export function moneyAxis(values: readonly number[], quote: string): EChartsOption['yAxis'] {
  const scale = priceScale(values);
  return valueAxis((v) => formatPrice(v, scale.decimals), scale, quote);
}

/** Every value of the curves, for the axis. */
export function curveValues(...curves: ReadonlyArray<readonly CurvePoint[]>): number[] {
  return curves.flatMap((curve) => curve.map((p) => p.value));
}

/** A curve as a line through `[time, value]` pairs, without point symbols. */
export function curveSeries(points: readonly CurvePoint[], color: string, width: number): LineSeriesOption {
  return {
    type: 'line',
    data: points.map((p) => [p.at, p.value]),
    showSymbol: false,
    silent: true,
    lineStyle: { color, width },
  };
}

/** The starting capital as a dashed horizontal line (a mark line of `series`). */
export function withBaseline(series: LineSeriesOption, capital: number): LineSeriesOption {
  return {
    ...series,
    markLine: {
      symbol: 'none',
      silent: true,
      animation: false,
      label: { show: false },
      data: [{ yAxis: capital, lineStyle: { color: COLORS.baseline, width: 2, type: 'dashed' } }],
    },
  };
}
