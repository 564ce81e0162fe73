/**
 * The ECharts option of a candle chart: candlesticks, a marker at every entry (▲ long, ▼ short)
 * and exit (◆) at its fill price on the bar that was open then, a dashed line from each entry to
 * its exit (green for a win, red for a loss), and the open position's levels (./level-tags.ts).
 *
 * Built for speed (the hub's one render worker serves every trader): many candles draw as two
 * large paths, markers as one path per kind, the trade lines as two line series with gaps, and
 * the x axis labels only every n-th bar.
 */
import type { EChartsOption, ScatterSeriesOption } from 'echarts';
import type { CandleChartSpec, ChartCandle, ChartTrade } from './chart-spec.js';
import { frameOption, valueAxis } from './chart-frame.js';
import { COLORS, FONT, MARKER_SIZE } from './chart-theme.js';
import { LEVEL_NAMES, levelLines, levelTags, splitLevels } from './level-tags.js';
import { formatPrice, priceDecimals } from './price-format.js';
import { priceScale } from './price-scale.js';
import { timeLabels } from './time-labels.js';

/** Bars from which candles are drawn in ECharts' large mode. */
const LARGE_BARS = 300;

/** Time labels along the x axis. */
const X_LABELS = 6;

/** Index of the bar open at `t` (the last bar opened at or before it); -1 before the first bar. */
export function candleIndexAt(candles: readonly ChartCandle[], t: number): number {
  let lo = 0;
  let hi = candles.length - 1;
  if (hi < 0 || t < candles[0]!.t) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (candles[mid]!.t <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A line series' points: `[bar index, price]`, or `'-'` for a gap between two trades. */
type PathPoint = [number, number] | '-';

type MarkerGroup = `${ChartTrade['side']}-${'entry' | 'exit'}`;
const MARKER_GROUPS: MarkerGroup[] = ['long-entry', 'short-entry', 'long-exit', 'short-exit'];

interface PlacedTrades {
  /** `[bar index, price]` of each marker, by side and kind (one series each). */
  markers: Record<MarkerGroup, Array<[number, number]>>;
  wins: PathPoint[];
  losses: PathPoint[];
}

function placeTrades(candles: readonly ChartCandle[], trades: readonly ChartTrade[]): PlacedTrades {
  const placed: PlacedTrades = {
    markers: { 'long-entry': [], 'short-entry': [], 'long-exit': [], 'short-exit': [] },
    wins: [],
    losses: [],
  };
  for (const trade of trades) {
    const entry = candleIndexAt(candles, trade.openedAt);
    const exit = trade.closedAt === null || trade.exitPrice === null ? -1 : candleIndexAt(candles, trade.closedAt);
    if (entry >= 0) placed.markers[`${trade.side}-entry`].push([entry, trade.entryPrice]);
    if (exit < 0) continue;
    placed.markers[`${trade.side}-exit`].push([exit, trade.exitPrice!]);
    const path = (trade.pnl ?? 0) >= 0 ? placed.wins : placed.losses;
    path.push([Math.max(entry, 0), trade.entryPrice], [exit, trade.exitPrice!], '-');
  }
  return placed;
}

/** One group of markers as one scatter series drawn as a single path (`large`): ▲ ▼ entries, ◆ exits. */
function markerSeries(group: MarkerGroup, points: Array<[number, number]>): ScatterSeriesOption {
  const [side, kind] = group.split('-') as [ChartTrade['side'], 'entry' | 'exit'];
  return {
    type: 'scatter',
    data: points,
    symbol: kind === 'exit' ? 'diamond' : 'triangle',
    symbolRotate: kind === 'entry' && side === 'short' ? 180 : 0,
    symbolSize: MARKER_SIZE,
    // Large mode (one path) cannot turn a symbol: the ▼ series stays in normal mode.
    large: !(kind === 'entry' && side === 'short'),
    largeThreshold: 0,
    z: 5,
    silent: true,
    itemStyle: { color: side === 'long' ? COLORS.long : COLORS.short, opacity: 1 },
  };
}

function tradePath(data: PathPoint[], color: string): EChartsOption['series'] {
  return { type: 'line', data, showSymbol: false, silent: true, connectNulls: false, lineStyle: { color, width: 2, type: 'dashed' } };
}

export function candleOption(spec: CandleChartSpec): EChartsOption {
  const { candles } = spec;
  const labels = timeLabels(spec.timeZone, spec.intervalMs);
  const decimals = priceDecimals(candles.at(-1)?.c ?? 1);
  const { markers, wins, losses } = placeTrades(candles, spec.trades);
  const low = Math.min(...candles.map((c) => c.l));
  const high = Math.max(...candles.map((c) => c.h));
  const { drawn, far } = splitLevels(low, high, spec.levels);
  const markerPrices = Object.values(markers).flatMap((points) => points.map((p) => p[1]));
  const scale = priceScale([low, high, ...drawn.map((l) => l.price), ...markerPrices]);
  const farText = far.map((l) => `${LEVEL_NAMES[l.kind]} ${formatPrice(l.price, decimals)} (off chart)`);
  const frame = frameOption(
    {
      title: `${spec.agentName} · ${spec.symbol} · ${spec.interval}`,
      subtitle: [`${candles.length} bars · ${spec.trades.length} trades`, ...farText].join(' · '),
      timeZone: spec.timeZone,
      notes: spec.notes,
      legend: [
        { text: '▲ long', color: COLORS.long },
        { text: '▼ short', color: COLORS.short },
        { text: '◆ exit', color: COLORS.muted },
      ],
    },
    levelTags(drawn, scale, decimals),
  );
  return {
    ...frame,
    xAxis: {
      type: 'category',
      data: candles.map((c) => c.t),
      boundaryGap: true,
      // A fixed step spares ECharts measuring every bar's label.
      axisLabel: {
        fontSize: FONT.axis,
        color: COLORS.text,
        margin: 12,
        interval: Math.max(0, Math.ceil(candles.length / X_LABELS) - 1),
        formatter: (value: string) => labels.label(Number(value)),
      },
      axisLine: { lineStyle: { color: COLORS.muted } },
      axisTick: { show: false },
    },
    yAxis: valueAxis((v) => formatPrice(v, scale.decimals), scale),
    series: [
      {
        type: 'candlestick',
        data: candles.map((c) => [c.o, c.c, c.l, c.h]),
        barMaxWidth: 16,
        // Beyond LARGE_BARS, two paths (rising, falling) instead of one element per bar; their
        // bodies are thin lines, which only reads well when bars are that narrow anyway.
        large: true,
        largeThreshold: LARGE_BARS,
        itemStyle: { color: COLORS.candleUp, color0: COLORS.candleDown, borderColor: COLORS.candleUp, borderColor0: COLORS.candleDown },
        markLine: { symbol: 'none', silent: true, animation: false, data: levelLines(drawn) },
      },
      tradePath(wins, COLORS.win),
      tradePath(losses, COLORS.loss),
      // An empty large series breaks ECharts' SVG output: groups without markers are left out.
      ...MARKER_GROUPS.filter((group) => markers[group].length).map((group) => markerSeries(group, markers[group])),
    ] as EChartsOption['series'],
  };
}
