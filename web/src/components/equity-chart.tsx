/** The agent's equity curve: capital plus realised PnL after each close, green above the capital, red below. */
import { BaselineSeries, type UTCTimestamp } from 'lightweight-charts';
import { useEffect } from 'preact/hooks';
import type { EquityCurve } from '../../../src/shared/wire.js';
import { equityLine } from '../chart-data.js';
import { useChart } from './chart-kit.js';

export function EquityChart({ curve }: { curve: EquityCurve }) {
  const { box, drawn } = useChart(160, (chart, colours) => ({
    series: chart.addSeries(BaselineSeries, {
      topLineColor: colours.up,
      topFillColor1: `${colours.up}55`,
      topFillColor2: `${colours.up}08`,
      bottomLineColor: colours.down,
      bottomFillColor1: `${colours.down}08`,
      bottomFillColor2: `${colours.down}55`,
      lineWidth: 2,
    }),
  }));

  useEffect(() => {
    const d = drawn.current;
    if (!d) return;
    d.series.applyOptions({ baseValue: { type: 'price', price: curve.capital } });
    d.series.setData(equityLine(curve.points).map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
    d.chart.timeScale().fitContent();
  }, [curve]);

  return <div class="chart" ref={box} data-chart="equity" />;
}
