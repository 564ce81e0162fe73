/**
 * What the backtest pictures are made of, before any pixel: the specs built from a result (which
 * trades are drawn when there are many, the time zone, the strategy's label) and the ECharts
 * options built from them (series, marker counts by kind, legend words, baseline, drawdown span).
 */
import type { EChartsOption, LineSeriesOption, ScatterSeriesOption } from 'echarts';
import { describe, expect, it } from 'vitest';
import {
  backtestEquitySpec,
  backtestTradesSpec,
  comparisonSpec,
  strategyLabel,
  TRADES_SHOWN,
} from '../../../src/hub/charts/backtest-chart-data.js';
import { backtestEquityOption, drawdownSpan } from '../../../src/hub/charts/backtest-equity-option.js';
import { backtestTradesOption, markerSize } from '../../../src/hub/charts/backtest-trades-option.js';
import { comparisonOption } from '../../../src/hub/charts/comparison-option.js';
import { dateRange } from '../../../src/hub/charts/time-labels.js';
import { backtestResult, comparisonResult } from '../../fixtures/backtest-results.js';

type AnySeries = LineSeriesOption | ScatterSeriesOption;

function seriesOf(option: EChartsOption): AnySeries[] {
  return option.series as AnySeries[];
}

/** The title, subtitle and every text of the legend and footer. */
function words(option: EChartsOption): string[] {
  const title = option.title as { text: string; subtext: string };
  const graphic = option.graphic as Array<{ style?: { text?: string } }>;
  return [title.text, title.subtext, ...graphic.flatMap((g) => (g.style?.text ? [g.style.text] : []))];
}

function markerCounts(option: EChartsOption): Record<string, number> {
  const scatter = seriesOf(option).filter((s) => s.type === 'scatter');
  return Object.fromEntries(scatter.map((s) => [s.name as string, (s.data as unknown[]).length]));
}

describe('backtest equity option', () => {
  it('draws the strategy against buy-and-hold, the start capital as a line, the deepest fall shaded', () => {
    const result = backtestResult({ trades: 30, seed: 4 });
    const option = backtestEquityOption(backtestEquitySpec(result, 'UTC'));
    const [buyHold, equity] = seriesOf(option) as LineSeriesOption[];
    expect(seriesOf(option).map((s) => s.name)).toEqual(['buy & hold', 'trend_following']);
    expect(equity!.data).toHaveLength(result.equity.length);
    expect(buyHold!.data).toHaveLength(result.buyHold.length);
    expect((equity!.markLine!.data as Array<{ yAxis: number }>)[0]!.yAxis).toBe(1000);
    const span = drawdownSpan(result.equity)!;
    expect(span.from).toBeLessThan(span.to);
    expect(equity!.markArea!.data).toEqual([[{ xAxis: span.from }, { xAxis: span.to }]]);
    // The span runs from the highest value before the trough to the lowest after that peak.
    const values = new Map(result.equity.map((p) => [p.at, p.value]));
    const before = result.equity.filter((p) => p.at <= span.from).map((p) => p.value);
    expect(values.get(span.from)).toBe(Math.max(...before));
    const text = words(option);
    expect(text[0]).toBe('BTCUSDT 15m trend_following · Jan 6 – Jan 10 2025');
    expect(text[1]).toContain(`max drawdown ${result.summary.maxDrawdownPct.toFixed(2)} %`);
    expect(text).toContain('■ max drawdown');
    expect(text.some((t) => t.startsWith('Times in UTC · paper fills: fee 10 bps, slippage 5 bps · 3× leverage'))).toBe(true);
  });

  it('a flat curve: no drawdown to shade or name, the axis still has a range', () => {
    const option = backtestEquityOption(backtestEquitySpec(backtestResult({ trades: 0, flat: true }), 'UTC'));
    const equity = seriesOf(option)[1] as LineSeriesOption;
    expect(equity.markArea).toBeUndefined();
    expect(words(option)).not.toContain('■ max drawdown');
    const y = option.yAxis as { min: number; max: number };
    expect(y.max).toBeGreaterThan(y.min);
    expect(words(option)[1]).toContain('±0.00 %');
  });

  it('names the rules planner’s pick for `auto`, and writes the period in the trader’s zone', () => {
    const result = backtestResult({ strategy: 'auto' });
    expect(strategyLabel(result)).toBe('auto → trend_following');
    const spec = backtestEquitySpec(result, 'Pacific/Auckland');
    expect(spec.timeZone).toBe('Pacific/Auckland');
    // Jan 6 00:00 UTC is Jan 6 13:00 in Auckland; the last bar closes Jan 10 04:00 UTC.
    expect(words(backtestEquityOption(spec))[0]).toBe('BTCUSDT 15m auto → trend_following · Jan 6 – Jan 10 2025');
    expect(dateRange(Date.UTC(2025, 0, 6), Date.UTC(2025, 0, 10, 4) - 1, 'America/Los_Angeles')).toBe('Jan 5 – Jan 9 2025');
    expect(dateRange(Date.UTC(2024, 11, 20), Date.UTC(2025, 0, 5), 'UTC')).toBe('Dec 20 2024 – Jan 5 2025');
    expect(dateRange(Date.UTC(2025, 2, 3), Date.UTC(2025, 2, 3, 12), 'UTC')).toBe('Mar 3 2025');
  });
});

describe('backtest trades option', () => {
  it('marks every entry by side and every exit by outcome, liquidations apart', () => {
    const result = backtestResult({ trades: 20, liquidated: [3, 8] });
    const option = backtestTradesOption(backtestTradesSpec(result, 'UTC'));
    const winning = result.trades.filter((t) => t.exit !== 'liquidation' && t.pnl > 0).length;
    const losing = result.trades.filter((t) => t.exit !== 'liquidation' && t.pnl <= 0).length;
    expect(winning).toBeGreaterThan(0);
    expect(losing).toBeGreaterThan(0);
    expect(markerCounts(option)).toEqual({
      'long-entry': 10,
      'short-entry': 10,
      'win-exit': winning,
      'loss-exit': losing,
      liquidation: 2,
    });
    const liquidations = seriesOf(option).find((s) => s.name === 'liquidation') as ScatterSeriesOption;
    const t3 = result.trades[3]!;
    expect(liquidations.data).toContainEqual([t3.exitAt, t3.exitPrice]);
    expect(liquidations.symbolSize).toBeGreaterThan(markerSize(20));
    expect((seriesOf(option)[0]!.data as unknown[]).length).toBe(result.prices.length);
    expect(words(option)[1]).toBe(`20 trades: ${winning} won, ${losing + 2} lost (2 liquidated)`);
    expect(words(option)).toEqual(expect.arrayContaining(['▲ long', '▼ short', '✖ exit, win', '✖ exit, loss', '✖ liquidation']));
  });

  it('with more than 300 trades draws the last 300, says so, and starts the axis shortly before them', () => {
    const result = backtestResult({ trades: 700, bars: 35_040 });
    const spec = backtestTradesSpec(result, 'UTC');
    expect(spec.trades).toHaveLength(TRADES_SHOWN);
    expect(spec.trades.map((t) => t.entryAt)).toEqual(result.trades.slice(-TRADES_SHOWN).map((t) => t.entryAt));
    expect(spec.totalTrades).toBe(700);
    const firstShown = spec.trades[0]!.entryAt;
    expect(spec.shownFromMs).toBeLessThan(firstShown);
    expect(firstShown - spec.shownFromMs).toBeLessThan((result.lastBarAt - firstShown) * 0.05);
    // The closes start at the last one before the axis does, and run to the end.
    expect(spec.prices[0]!.at).toBeLessThanOrEqual(spec.shownFromMs);
    expect(spec.prices[1]!.at).toBeGreaterThanOrEqual(spec.shownFromMs);
    expect(spec.prices.at(-1)).toEqual(result.prices.at(-1));
    const option = backtestTradesOption(spec);
    const counts = markerCounts(option);
    expect(counts['long-entry']! + counts['short-entry']!).toBe(300);
    expect(words(option)[1]).toMatch(/^Last 300 of 700 trades \(from \w+ \d+ \d\d:\d\d\): \d+ won, \d+ lost$/);
    expect((option.xAxis as { min: number }).min).toBe(spec.shownFromMs);
    expect(markerSize(300)).toBeLessThan(markerSize(20));
  });

  it('exactly 300 trades are all drawn over the whole period', () => {
    const result = backtestResult({ trades: 300 });
    const spec = backtestTradesSpec(result, 'UTC');
    expect(spec.trades).toHaveLength(300);
    expect(spec.shownFromMs).toBe(result.firstBarAt);
    expect(spec.prices).toBe(result.prices);
  });

  it('no trades: the price alone, no marker series, no legend', () => {
    const option = backtestTradesOption(backtestTradesSpec(backtestResult({ trades: 0 }), 'UTC'));
    expect(seriesOf(option).map((s) => s.type)).toEqual(['line']);
    expect(words(option)[1]).toBe('No trades in this period');
    expect(words(option)).not.toContain('▲ long');
  });
});

describe('comparison option', () => {
  it('draws the top five best first with their returns, and buy-and-hold', () => {
    const result = comparisonResult(24);
    const option = comparisonOption(comparisonSpec(result, 'UTC'));
    const names = seriesOf(option).map((s) => s.name);
    expect(names).toHaveLength(6);
    expect(names[0]).toBe('buy & hold');
    // The best is drawn last, over the others.
    expect(names.slice(1).reverse()).toEqual(result.top.map((t) => t.strategy));
    const text = words(option);
    expect(text[0]).toBe('BTCUSDT 15m top 5 of 24 strategies · Jan 6 – Jan 10 2025');
    for (const row of result.rows.slice(0, 5)) {
      const pct = row.summary.totalReturnPct;
      const signed = `${pct > 0 ? '+' : pct < 0 ? '−' : '±'}${Math.abs(pct).toFixed(2)} %`;
      expect(text).toContain(`— ${row.strategy} ${signed}`);
    }
    expect(text.some((t) => t.startsWith('— buy & hold '))).toBe(true);
  });

  it('fewer strategies than five: as many lines as there are', () => {
    const option = comparisonOption(comparisonSpec(comparisonResult(2), 'UTC'));
    expect(seriesOf(option)).toHaveLength(3);
    expect(words(option)[0]).toContain('top 2 of 2 strategies');
  });
});
