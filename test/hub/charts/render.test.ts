/**
 * Chart images as pixels: size, not blank, trade markers where the trades are, the open
 * position's level tags, the drawdown shading, times in the trader's time zone.
 * Renders in-process (the worker is covered by render-pool.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { candleIndexAt } from '../../../src/hub/charts/candle-option.js';
import { CHART_HEIGHT, CHART_WIDTH, type CandleChartSpec } from '../../../src/hub/charts/chart-spec.js';
import { COLORS, GRID, MARKER_SIZE } from '../../../src/hub/charts/chart-theme.js';
import { priceRow, priceScale } from '../../../src/hub/charts/price-scale.js';
import { renderPng, renderSvg } from '../../../src/hub/charts/render-png.js';
import { timeLabels, timeScale } from '../../../src/hub/charts/time-labels.js';
import { normalizeTimeZone } from '../../../src/hub/timezone.js';
import { candleSpec, equitySpec } from '../../fixtures/chart-specs.js';
import { brightnessVariance, decodePng, pixelsOfColor, pngSize } from '../../support/png.js';

const PLOT = { left: GRID.left, right: CHART_WIDTH - GRID.right, top: GRID.top, bottom: CHART_HEIGHT - GRID.bottom };

/** Centre x of bar `index` of `bars` on the category axis (px). */
function barX(index: number, bars: number): number {
  return PLOT.left + ((index + 0.5) * (PLOT.right - PLOT.left)) / bars;
}

/** 60 bars, one long trade (bar 15 → bar 40) and one short still open from bar 50; no levels. */
function knownTrades(): CandleChartSpec {
  const spec = candleSpec(60, 0, 11);
  const at = (i: number) => spec.candles[i]!;
  return {
    ...spec,
    levels: [],
    trades: [
      { side: 'long', openedAt: at(15).t + 60_000, entryPrice: at(15).c, closedAt: at(40).t + 60_000, exitPrice: at(40).c, pnl: 5 },
      { side: 'short', openedAt: at(50).t, entryPrice: at(50).c, closedAt: null, exitPrice: null, pnl: null },
    ],
  };
}

describe('candle chart image', () => {
  it('is a 1280×720 PNG that is not blank', () => {
    const { png, width, height } = renderPng(candleSpec(500, 50));
    expect(pngSize(png)).toEqual({ width: 1280, height: 720 });
    expect([width, height]).toEqual([1280, 720]);
    const image = decodePng(png);
    expect(brightnessVariance(image)).toBeGreaterThan(200);
  });

  it('marks every entry and exit at its bar and price, in the side colour, and nowhere else', () => {
    const spec = knownTrades();
    const image = decodePng(renderPng(spec).png);
    const scale = priceScale([Math.min(...spec.candles.map((c) => c.l)), Math.max(...spec.candles.map((c) => c.h))]);
    const near = (bar: number, price: number) => {
      const x = barX(bar, spec.candles.length);
      const y = priceRow(scale, price, PLOT.top, PLOT.bottom);
      return { left: x - MARKER_SIZE, right: x + MARKER_SIZE, top: y - MARKER_SIZE, bottom: y + MARKER_SIZE };
    };
    const longEntry = near(15, spec.trades[0]!.entryPrice);
    const longExit = near(40, spec.trades[0]!.exitPrice!);
    const shortEntry = near(50, spec.trades[1]!.entryPrice);
    expect(pixelsOfColor(image, COLORS.long, longEntry).length).toBeGreaterThan(40);
    expect(pixelsOfColor(image, COLORS.long, longExit).length).toBeGreaterThan(40);
    expect(pixelsOfColor(image, COLORS.short, shortEntry).length).toBeGreaterThan(40);
    const inside = (box: typeof longEntry) => (p: [number, number]) =>
      p[0] >= box.left && p[0] < box.right && p[1] >= box.top && p[1] < box.bottom;
    const plotLong = pixelsOfColor(image, COLORS.long, PLOT);
    expect(plotLong.filter((p) => !inside(longEntry)(p) && !inside(longExit)(p))).toEqual([]);
    const plotShort = pixelsOfColor(image, COLORS.short, PLOT);
    expect(plotShort.filter((p) => !inside(shortEntry)(p))).toEqual([]);
  });

  it('puts a trade on the bar that was open when it happened', () => {
    const candles = [0, 1, 2, 3].map((n) => ({ t: n * 900_000, o: 1, h: 1, l: 1, c: 1 }));
    expect([-1, 0, 899_999, 900_000, 3 * 900_000, 10 * 900_000].map((t) => candleIndexAt(candles, t))).toEqual([-1, 0, 0, 1, 3, 3]);
    expect(candleIndexAt(candles, -1)).toBe(-1);
  });

  it('draws the open position: a tag per level in its colour in the price gutter; a far level only named', () => {
    const spec = candleSpec(100, 0, 3);
    const last = spec.candles.at(-1)!.c;
    spec.levels = [
      { kind: 'tp', price: last * 1.005 },
      { kind: 'sl', price: last * 0.995 },
      { kind: 'liquidation', price: last * 0.2 },
    ];
    const image = decodePng(renderPng(spec).png);
    const gutter = { left: PLOT.right, right: CHART_WIDTH, top: PLOT.top - 20, bottom: PLOT.bottom + 20 };
    expect(pixelsOfColor(image, COLORS.levels.tp, gutter).length).toBeGreaterThan(500);
    expect(pixelsOfColor(image, COLORS.levels.sl, gutter).length).toBeGreaterThan(500);
    expect(pixelsOfColor(image, COLORS.levels.liquidation, gutter)).toEqual([]);
    expect(renderSvg(spec)).toContain('Liq ');
  });

  it('writes times in the trader’s time zone and says which in the footer', () => {
    const spec = candleSpec(40, 2);
    const svg = renderSvg({ ...spec, timeZone: 'America/New_York' });
    expect(svg).toContain('Times in America/New_York');
    // The fixture starts 2024-01-01T00:00Z: 19:00 the day before in New York.
    expect(svg).toContain('Dec 31 19:00');
    expect(renderSvg({ ...spec, timeZone: 'UTC' })).toContain('Jan 1 00:00');
  });
});

describe('equity chart image', () => {
  it('is a 1280×720 PNG with the equity line and the drawdown shaded', () => {
    const { png } = renderPng(equitySpec(30));
    expect(pngSize(png)).toEqual({ width: 1280, height: 720 });
    const image = decodePng(png);
    expect(brightnessVariance(image)).toBeGreaterThan(100);
    expect(pixelsOfColor(image, COLORS.equity, PLOT).length).toBeGreaterThan(1000);
    // rgba(220, 38, 38, 0.28) over white.
    expect(pixelsOfColor(image, '#f5c3c3', PLOT, 2).length).toBeGreaterThan(1000);
  });

  it('names the subject, the change and the drawdown', () => {
    const svg = renderSvg(equitySpec(10));
    expect(svg).toContain('Equity · btc-bot');
    expect(svg).toMatch(/max drawdown \d+\.\d\d %/);
    expect(svg).toContain('10 closed trades');
  });
});

describe('scales and time zones', () => {
  it('price axis steps are round and cover the values', () => {
    expect(priceScale([61_234, 64_987])).toEqual({ min: 61_000, max: 65_000, step: 1000, decimals: 0 });
    expect(priceScale([0.1234, 0.1301])).toMatchObject({ step: 0.002, decimals: 3 });
    expect(priceScale([10, 12.4])).toMatchObject({ min: 10, step: 0.5, decimals: 1 });
    expect(priceScale([100, 100]).max).toBeGreaterThan(100);
  });

  it('time axis steps are whole hours or days', () => {
    const day = 86_400_000;
    expect(timeScale(0, 3 * day)).toEqual({ min: 0, max: 3 * day, step: 12 * 3_600_000 });
    expect(timeScale(5 * 3_600_000 + 1, 9 * 3_600_000)).toMatchObject({ step: 3_600_000, min: 5 * 3_600_000 });
    expect(timeLabels('Europe/Berlin', 900_000).label(Date.UTC(2026, 6, 1, 12, 5))).toBe('Jul 1 14:05');
    expect(timeLabels('UTC', day).label(Date.UTC(2026, 11, 3, 23, 0))).toBe('Dec 3');
  });

  it('time zone names: Intl spelling, aliases kept, unknown ones refused', () => {
    expect(normalizeTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(normalizeTimeZone(' utc ')).toBe('UTC');
    expect(normalizeTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(normalizeTimeZone('Berlin')).toBeNull();
    expect(normalizeTimeZone('Mars/Olympus')).toBeNull();
    expect(normalizeTimeZone('')).toBeNull();
  });
});
