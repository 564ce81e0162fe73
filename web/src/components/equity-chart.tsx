/** The agent's equity curve: capital plus realised PnL after each close, green above the capital, red below. */
import { BaselineSeries, createChart, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { useEffect, useRef } from 'preact/hooks';
import type { EquityCurve } from '../../../src/shared/wire.js';
import { equityLine } from '../chart-data.js';
import { chartColours, chartOptions } from './chart-theme.js';

export function EquityChart({ curve }: { curve: EquityCurve }) {
  const box = useRef<HTMLDivElement>(null);
  const drawn = useRef<{ chart: IChartApi; series: ISeriesApi<'Baseline'> } | undefined>(undefined);

  useEffect(() => {
    const element = box.current!;
    const colours = chartColours();
    const chart = createChart(element, { ...chartOptions(colours, 160), width: element.clientWidth });
    const series = chart.addSeries(BaselineSeries, {
      topLineColor: colours.up,
      topFillColor1: `${colours.up}55`,
      topFillColor2: `${colours.up}08`,
      bottomLineColor: colours.down,
      bottomFillColor1: `${colours.down}08`,
      bottomFillColor2: `${colours.down}55`,
      lineWidth: 2,
    });
    drawn.current = { chart, series };
    const resize = new ResizeObserver(() => chart.applyOptions({ width: element.clientWidth }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.remove();
      drawn.current = undefined;
    };
  }, []);

  useEffect(() => {
    const d = drawn.current;
    if (!d) return;
    d.series.applyOptions({ baseValue: { type: 'price', price: curve.capital } });
    d.series.setData(equityLine(curve.points).map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
    d.chart.timeScale().fitContent();
  }, [curve]);

  return <div class="chart" ref={box} data-chart="equity" />;
}
