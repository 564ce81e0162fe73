/**
 * Draws a chart spec as a PNG without a browser: Apache ECharts' server-side SVG renderer, then
 * resvg (a Rust rasteriser, prebuilt binary from npm) to pixels. Text uses the DejaVu fonts from
 * the `dejavu-fonts-ttf` package and never a system font, so the image is the same on a bare
 * machine. Synchronous and CPU-bound: the hub calls it only inside the render worker
 * (./render-worker.ts), never on its event loop.
 */
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
// ECharts as one prebuilt file: its package entry loads hundreds of modules, which makes a new
// worker take seconds to draw its first chart (types: ./echarts-bundle.d.ts).
import * as echarts from 'echarts/dist/echarts.esm.min.mjs';
import type { EChartsOption } from 'echarts';
import { backtestEquityOption } from './backtest-equity-option.js';
import { backtestTradesOption } from './backtest-trades-option.js';
import { candleOption } from './candle-option.js';
import { CHART_HEIGHT, CHART_WIDTH, type ChartSpec } from './chart-spec.js';
import { FONT_FAMILY } from './chart-theme.js';
import { comparisonOption } from './comparison-option.js';
import { equityOption } from './equity-option.js';
import { encodePng } from './png-encode.js';

const require = createRequire(import.meta.url);
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((file) => require.resolve(`dejavu-fonts-ttf/ttf/${file}`));

export interface RenderedChart {
  png: Uint8Array;
  width: number;
  height: number;
}

export function chartOption(spec: ChartSpec): EChartsOption {
  switch (spec.kind) {
    case 'candles':
      return candleOption(spec);
    case 'equity':
      return equityOption(spec);
    case 'backtest-equity':
      return backtestEquityOption(spec);
    case 'backtest-trades':
      return backtestTradesOption(spec);
    case 'comparison':
      return comparisonOption(spec);
  }
}

/** The chart as SVG text (what resvg rasterises; tests may read it). */
export function renderSvg(spec: ChartSpec): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: CHART_WIDTH, height: CHART_HEIGHT });
  try {
    chart.setOption(chartOption(spec));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** SVG text to a PNG of its size, with the shipped fonts only. */
export function rasterize(svg: string): RenderedChart {
  const resvg = new Resvg(svg, {
    font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    fitTo: { mode: 'original' },
    background: '#ffffff',
  });
  const image = resvg.render();
  return { png: encodePng(image.pixels, image.width, image.height), width: image.width, height: image.height };
}

/** The chart as a 1280×720 PNG. */
export function renderPng(spec: ChartSpec): RenderedChart {
  return rasterize(renderSvg(spec));
}
