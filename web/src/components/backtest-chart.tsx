/** A backtest's equity curve (marked to market at bar closes) against buy-and-hold of the same capital: two lines. */
import { LineSeries, LineStyle, type UTCTimestamp } from 'lightweight-charts';
import { useEffect } from 'preact/hooks';
import type { BacktestDetail } from '../../../src/shared/wire.js';
import { equityLine } from '../chart-data.js';
import { S } from '../strings.js';
import { useChart } from './chart-kit.js';

type Curve = Extract<BacktestDetail, { kind: 'backtest' }>['result']['equity'];

const line = (curve: Curve) =>
  equityLine(curve.map((p) => ({ at: p.at, equity: p.value }))).map((p) => ({ time: p.time as UTCTimestamp, value: p.value }));

export function BacktestChart({ equity, buyHold }: { equity: Curve; buyHold: Curve }) {
  const { box, drawn } = useChart(200, (chart, colours) => ({
    equity: chart.addSeries(LineSeries, { color: colours.accent, lineWidth: 2, title: S.backtests.equityLine }),
    buyHold: chart.addSeries(LineSeries, {
      color: colours.text,
      lineWidth: 1,
      lineStyle: LineStyle.Dashed,
      title: S.backtests.buyHoldLine,
    }),
  }));

  useEffect(() => {
    const d = drawn.current;
    if (!d) return;
    d.equity.setData(line(equity));
    d.buyHold.setData(line(buyHold));
    d.chart.timeScale().fitContent();
  }, [equity, buyHold]);

  return <div class="chart" ref={box} data-chart="backtest" />;
}
