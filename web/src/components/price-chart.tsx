/**
 * The agent's price chart (lightweight-charts): candles of its symbol and timeframe, a marker at
 * every entry and exit of its trades, and horizontal lines at the open position's entry,
 * take-profit, stop-loss and liquidation prices. The live price moves the last candle.
 */
import {
  CandlestickSeries,
  type AutoscaleInfo,
  LineStyle,
  createSeriesMarkers,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useEffect } from 'preact/hooks';
import type { AgentCandles, PriceLevel } from '../../../src/shared/wire.js';
import { barsOf, drawableLevels, markersOf, withLivePrice } from '../chart-data.js';
import { S } from '../strings.js';
import { useChart, type ChartColours, type Drawn } from './chart-kit.js';

interface PriceSeries {
  series: ISeriesApi<'Candlestick'>;
  markers: ISeriesMarkersPluginApi<Time>;
  lines: IPriceLine[];
  /** The first data set the visible range; later draws keep where the user scrolled. */
  framed: boolean;
  /** Prices the vertical scale keeps in view besides the candles: entry, take-profit, stop-loss. */
  inView: number[];
}

/** Levels kept in view; a liquidation far away would squash the candles, so its line may be off-screen. */
const KEPT_IN_VIEW = new Set<PriceLevel['kind']>(['entry', 'tp', 'sl']);

/** Bars in view at first: readable candles on a phone (about 3 px each at 360 px wide). */
const BARS_IN_VIEW = 90;

const LEVEL_STYLE: Record<PriceLevel['kind'], { colour: keyof ChartColours; style: LineStyle }> = {
  entry: { colour: 'accent', style: LineStyle.Dotted },
  tp: { colour: 'tp', style: LineStyle.Dashed },
  sl: { colour: 'sl', style: LineStyle.Dashed },
  liquidation: { colour: 'liquidation', style: LineStyle.Solid },
};

function draw(drawn: Drawn<PriceSeries>, data: AgentCandles, levels: PriceLevel[], livePrice: number | null): void {
  const bars = withLivePrice(barsOf(data.candles), livePrice);
  drawn.series.setData(bars.map((bar) => ({ ...bar, time: bar.time as UTCTimestamp })));
  if (!drawn.framed && bars.length > 0) {
    drawn.chart.timeScale().setVisibleLogicalRange({ from: Math.max(0, bars.length - BARS_IN_VIEW), to: bars.length + 2 });
    drawn.framed = true;
  }
  const markers = markersOf(data.trades, bars, { entry: S.agent.entryMarker, exit: S.agent.exitMarker });
  drawn.markers.setMarkers(
    markers.map(({ role, time, ...marker }) => ({ ...marker, time: time as UTCTimestamp, color: drawn.colours[role] })),
  );
  drawn.inView = levels.filter((level) => KEPT_IN_VIEW.has(level.kind)).map((level) => level.price);
  for (const line of drawn.lines) drawn.series.removePriceLine(line);
  drawn.lines = drawableLevels(levels).map((level) =>
    drawn.series.createPriceLine({
      price: level.price,
      color: drawn.colours[LEVEL_STYLE[level.kind].colour],
      lineStyle: LEVEL_STYLE[level.kind].style,
      lineWidth: 1,
      axisLabelVisible: true,
      title: S.agent.levels[level.kind] ?? level.kind,
    }),
  );
}

export function PriceChart(props: { data: AgentCandles | undefined; levels: PriceLevel[]; livePrice: number | null }) {
  const { box, drawn } = useChart<PriceSeries>(260, (chart, colours, self) => {
    const series = chart.addSeries(CandlestickSeries, {
      upColor: colours.up,
      downColor: colours.down,
      wickUpColor: colours.up,
      wickDownColor: colours.down,
      borderVisible: false,
      autoscaleInfoProvider: (candlesOnly: () => AutoscaleInfo | null) => {
        const info = candlesOnly();
        const kept = self.current?.inView ?? [];
        if (!info?.priceRange || kept.length === 0) return info;
        const { minValue, maxValue } = info.priceRange;
        return { ...info, priceRange: { minValue: Math.min(minValue, ...kept), maxValue: Math.max(maxValue, ...kept) } };
      },
    });
    return { series, markers: createSeriesMarkers(series, []), lines: [], framed: false, inView: [] };
  });

  useEffect(() => {
    if (drawn.current && props.data) draw(drawn.current, props.data, props.levels, props.livePrice);
  }, [props.data, props.levels, props.livePrice]);

  return <div class="chart" ref={box} data-chart="price" />;
}
