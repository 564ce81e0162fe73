/**
 * The ECharts option of a backtest's trades picture: the symbol's closes as a line, ▲ at each
 * long entry and ▼ at each short entry (side colours), ✕ at each exit (green for a win, red for a
 * loss), and liquidations as a larger violet ✕. Markers shrink as trades grow, so hundreds stay
 * apart; beyond `TRADES_SHOWN` only the latest are drawn (./backtest-chart-data.ts) and the
 * subtitle says so.
 *
 * Each marker kind is one scatter series. ▼ and ✕ are path symbols, which ECharts' large mode
 * (one path per series) leaves out of its SVG: only the ▲ series is drawn in large mode, the
 * others marker by marker (at most `TRADES_SHOWN` each).
 */
import type { EChartsOption, ScatterSeriesOption } from 'echarts';
import { backtestFrame, curveSeries, curveValues, moneyAxis, periodAxis } from './backtest-frame.js';
import type { BacktestTradeMark, BacktestTradesChartSpec } from './chart-spec.js';
import { COLORS } from './chart-theme.js';
import { timeLabels } from './time-labels.js';

export const TRADE_MARKS = ['long-entry', 'short-entry', 'win-exit', 'loss-exit', 'liquidation'] as const;
export type TradeMarkKind = (typeof TRADE_MARKS)[number];

/** Symbols in a 10×10 box: ▼, and a ✕ with arms 2.4 wide. */
const DOWN_TRIANGLE = 'path://M0,0L10,0L5,10Z';
const CROSS = 'path://M0,1.7L1.7,0L5,3.3L8.3,0L10,1.7L6.7,5L10,8.3L8.3,10L5,6.7L1.7,10L0,8.3L3.3,5Z';

const MARKS: Record<TradeMarkKind, { symbol: string; color: string; legend: string; grow: number }> = {
  'long-entry': { symbol: 'triangle', color: COLORS.long, legend: '▲ long', grow: 0 },
  'short-entry': { symbol: DOWN_TRIANGLE, color: COLORS.short, legend: '▼ short', grow: 0 },
  'win-exit': { symbol: CROSS, color: COLORS.win, legend: '✖ exit, win', grow: 0 },
  'loss-exit': { symbol: CROSS, color: COLORS.loss, legend: '✖ exit, loss', grow: 0 },
  liquidation: { symbol: CROSS, color: COLORS.levels.liquidation, legend: '✖ liquidation', grow: 6 },
};

/** Marker size (px) for `trades` trades on the picture: large while few, thin when many. */
export function markerSize(trades: number): number {
  if (trades <= 40) return 18;
  if (trades <= 120) return 14;
  return 10;
}

/** `[time, price]` of every marker, by kind. */
export function placeTradeMarks(trades: readonly BacktestTradeMark[]): Record<TradeMarkKind, Array<[number, number]>> {
  const marks = Object.fromEntries(TRADE_MARKS.map((kind) => [kind, []])) as unknown as Record<TradeMarkKind, Array<[number, number]>>;
  for (const t of trades) {
    marks[`${t.side}-entry`].push([t.entryAt, t.entryPrice]);
    const exit: TradeMarkKind = t.liquidated ? 'liquidation' : t.pnl > 0 ? 'win-exit' : 'loss-exit';
    marks[exit].push([t.exitAt, t.exitPrice]);
  }
  return marks;
}

function markSeries(kind: TradeMarkKind, points: Array<[number, number]>, size: number): ScatterSeriesOption {
  const mark = MARKS[kind];
  return {
    type: 'scatter',
    name: kind,
    data: points,
    symbol: mark.symbol,
    symbolSize: size + mark.grow,
    large: mark.symbol === 'triangle',
    largeThreshold: 0,
    // Exits over entries (a one-bar trade), liquidations over everything.
    z: kind === 'liquidation' ? 7 : kind.endsWith('exit') ? 6 : 5,
    silent: true,
    itemStyle: { color: mark.color, opacity: 1 },
  };
}

function subtitle(spec: BacktestTradesChartSpec): string {
  const shown = spec.trades;
  const won = shown.filter((t) => t.pnl > 0).length;
  const liquidated = shown.filter((t) => t.liquidated).length;
  const tally = `${won} won, ${shown.length - won} lost${liquidated ? ` (${liquidated} liquidated)` : ''}`;
  if (shown.length === 0) return 'No trades in this period';
  if (shown.length === spec.totalTrades) return `${shown.length} ${shown.length === 1 ? 'trade' : 'trades'}: ${tally}`;
  const from = timeLabels(spec.timeZone, 0).label(shown[0]!.entryAt);
  return `Last ${shown.length} of ${spec.totalTrades.toLocaleString('en-US')} trades (from ${from}): ${tally}`;
}

export function backtestTradesOption(spec: BacktestTradesChartSpec): EChartsOption {
  const marks = placeTradeMarks(spec.trades);
  const size = markerSize(spec.trades.length);
  const markPrices = Object.values(marks).flatMap((points) => points.map((p) => p[1]));
  // An empty large series breaks ECharts' SVG output: kinds without markers are left out (and unnamed).
  const drawn = TRADE_MARKS.filter((kind) => marks[kind].length);
  const legend = drawn.map((kind) => ({ text: MARKS[kind].legend, color: MARKS[kind].color }));
  const frame = backtestFrame(spec, subtitle(spec), legend);
  return {
    ...frame,
    xAxis: periodAxis(spec.shownFromMs, spec.toMs, spec.timeZone),
    yAxis: moneyAxis([...curveValues(spec.prices), ...markPrices], spec.quote),
    series: [
      { ...curveSeries(spec.prices, COLORS.price, 2), name: 'price', z: 2 },
      ...drawn.map((kind) => markSeries(kind, marks[kind], size)),
    ],
  };
}
