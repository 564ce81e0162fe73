/**
 * The backtest pictures as pixels (in-process) and through the chart service (its render pool's
 * worker thread): 1280×720 PNGs that are not blank, every line and marker kind in its colour
 * inside the plot, a liquidation where it happened, the trader's time zone, nothing to draw
 * refused with a typed error, and the edge cases (no trades, a flat curve) drawn.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { backtestEquitySpec, backtestTradesSpec, comparisonSpec } from '../../../src/hub/charts/backtest-chart-data.js';
import { createChartService, type ChartServiceDeps } from '../../../src/hub/charts/chart-service.js';
import { CHART_HEIGHT, CHART_WIDTH, type ChartSpec } from '../../../src/hub/charts/chart-spec.js';
import { COLORS, GRID } from '../../../src/hub/charts/chart-theme.js';
import { NothingToChartError } from '../../../src/hub/charts/errors.js';
import { createRenderPool } from '../../../src/hub/charts/render-pool.js';
import { renderPng, renderSvg } from '../../../src/hub/charts/render-png.js';
import { backtestResult, comparisonResult } from '../../fixtures/backtest-results.js';
import { brightnessVariance, decodePng, pixelsOfColor, pngSize, type DecodedPng } from '../../support/png.js';

/** The plot under one row of legend (two for the comparison), left of the price gutter. */
const plot = (legendRows: number) => ({
  left: GRID.left,
  right: CHART_WIDTH - GRID.right,
  top: 84 + legendRows * 30 + 18,
  bottom: CHART_HEIGHT - GRID.bottom,
});

function image(spec: ChartSpec): DecodedPng {
  const { png, width, height } = renderPng(spec);
  expect(pngSize(png)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
  expect([width, height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
  const decoded = decodePng(png);
  expect(brightnessVariance(decoded)).toBeGreaterThan(100);
  return decoded;
}

describe('backtest pictures', () => {
  it('equity: the strategy and buy-and-hold lines, the drawdown shaded, the start capital dashed', () => {
    const picture = image(backtestEquitySpec(backtestResult({ trades: 30, seed: 4 }), 'UTC'));
    const box = plot(1);
    expect(pixelsOfColor(picture, COLORS.equity, box).length).toBeGreaterThan(1000);
    expect(pixelsOfColor(picture, COLORS.buyHold, box).length).toBeGreaterThan(500);
    // rgba(220, 38, 38, 0.28) over white.
    expect(pixelsOfColor(picture, '#f5c3c3', box, 2).length).toBeGreaterThan(1000);
    expect(pixelsOfColor(picture, COLORS.baseline, box).length).toBeGreaterThan(200);
  });

  it('trades: every marker kind in its colour, the liquidation at its time', () => {
    const result = backtestResult({ trades: 40, liquidated: [25] });
    const spec = backtestTradesSpec(result, 'UTC');
    const picture = image(spec);
    const box = plot(1);
    for (const color of [COLORS.long, COLORS.short, COLORS.win, COLORS.loss, COLORS.price])
      expect(pixelsOfColor(picture, color, box).length, color).toBeGreaterThan(100);
    const violet = pixelsOfColor(picture, COLORS.levels.liquidation, box);
    expect(violet.length).toBeGreaterThan(40);
    const liquidatedAt = result.trades[25]!.exitAt;
    const x = box.left + ((liquidatedAt - spec.shownFromMs) / (spec.toMs - spec.shownFromMs)) * (box.right - box.left);
    for (const [px] of violet) expect(Math.abs(px - x)).toBeLessThan(20);
  });

  it('trades: 700 trades draw, the subtitle says which', () => {
    const spec = backtestTradesSpec(backtestResult({ trades: 700, bars: 35_040 }), 'UTC');
    image(spec);
    expect(renderSvg(spec)).toContain('Last 300 of 700 trades');
  });

  it('comparison: one colour per ranked strategy and buy-and-hold', () => {
    const picture = image(comparisonSpec(comparisonResult(24), 'UTC'));
    const box = plot(2);
    for (const color of [...COLORS.ranks, COLORS.buyHold]) expect(pixelsOfColor(picture, color, box).length, color).toBeGreaterThan(100);
  });

  it('no trades and a flat curve draw', () => {
    const flat = backtestResult({ trades: 0, flat: true });
    image(backtestEquitySpec(flat, 'UTC'));
    image(backtestTradesSpec(flat, 'UTC'));
    image(comparisonSpec(comparisonResult(3, { trades: 0, flat: true }), 'UTC'));
  });
});

describe('chart service: backtest pictures', () => {
  const pool = createRenderPool({ timeoutMs: 60_000 });
  afterAll(() => pool.close());
  // The backtest pictures need neither the database nor market data.
  const unused = {} as never;
  const deps = (renderer: ChartServiceDeps['renderer']): ChartServiceDeps => ({ orm: unused, agents: unused, candles: unused, renderer });

  it('renders the three pictures in the worker', async () => {
    const charts = createChartService(deps(pool));
    const result = backtestResult({ trades: 50, liquidated: [10] });
    const pngs = await Promise.all([
      charts.backtestEquity(result, 'Europe/Berlin'),
      charts.backtestTrades(result, 'Europe/Berlin'),
      charts.comparison(comparisonResult(24), null),
    ]);
    for (const png of pngs) {
      expect(pngSize(png)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
      expect(brightnessVariance(decodePng(png))).toBeGreaterThan(100);
    }
  }, 60_000);

  it('writes times in the trader’s zone (UTC when unset or unknown); refuses a result without bars', async () => {
    const specs: ChartSpec[] = [];
    const charts = createChartService(
      deps({ render: async (spec) => (specs.push(spec), Buffer.from('png')), close: async () => undefined }),
    );
    const result = backtestResult({ trades: 5 });
    await charts.backtestEquity(result, 'america/new_york');
    await charts.backtestTrades(result, null);
    await charts.comparison(comparisonResult(6), 'Mars/Olympus');
    expect(specs.map((s) => [s.kind, s.timeZone])).toEqual([
      ['backtest-equity', 'America/New_York'],
      ['backtest-trades', 'UTC'],
      ['comparison', 'UTC'],
    ]);
    expect(renderSvg(specs[0]!)).toContain('Times in America/New_York');
    const empty = { ...result, bars: 0, equity: [], buyHold: [], prices: [] };
    await expect(charts.backtestEquity(empty)).rejects.toBeInstanceOf(NothingToChartError);
    await expect(charts.backtestTrades(empty)).rejects.toBeInstanceOf(NothingToChartError);
    await expect(charts.comparison({ ...comparisonResult(3), bars: 0, buyHold: [] })).rejects.toBeInstanceOf(NothingToChartError);
    expect(specs).toHaveLength(3);
  });
});
