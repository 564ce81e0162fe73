/**
 * Chart images: a 500-candle chart with 50 trades (entries, exits, TP/SL/liquidation lines)
 * rendered through the hub's render pool (one worker thread), as /chart does.
 *
 * Prints `name=value` lines:
 *   chart_render_p50_ms, chart_render_p95_ms   one chart through the worker, wall time (after warm-up)
 *   chart_worker_start_ms                      the first chart: the worker starts and loads ECharts, resvg, fonts
 *   chart_png_bytes                            size of the PNG sent with sendPhoto
 *   chart_backtest_ms                          a backtest's trades picture (300 trades on a year of 15m closes) through the worker, median
 *   chart_svg_cpu_ms, chart_raster_cpu_ms      where a render's CPU time goes (in-process): ECharts SVG, resvg → PNG
 *   main_loop_delay_p99_ms, main_loop_delay_max_ms   event-loop delay of the main thread while the worker renders
 *   inline_loop_delay_max_ms                   the same with rendering on the main thread (what the worker avoids)
 *   host_cores, host_load_1m                   the machine, for reading the numbers
 * Env: BENCH_RENDERS (60).
 */
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createRenderPool } from '../src/hub/charts/render-pool.js';
import { rasterize, renderSvg } from '../src/hub/charts/render-png.js';
import { backtestTradesSpec } from '../src/hub/charts/backtest-chart-data.js';
import { backtestResult } from '../test/fixtures/backtest-results.js';
import { candleSpec } from '../test/fixtures/chart-specs.js';

const RENDERS = Number(process.env.BENCH_RENDERS ?? 60);
const spec = candleSpec(500, 50);
const backtestSpec = backtestTradesSpec(backtestResult({ trades: 300, bars: 35_040, liquidated: [120, 250], skill: true }), 'UTC');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const print = (name: string, value: number) => process.stdout.write(`${name}=${value}\n`);

/** CPU time (ms) of `f` on this thread. */
function cpuMs<T>(f: () => T): [T, number] {
  const before = process.cpuUsage();
  const result = f();
  const used = process.cpuUsage(before);
  return [result, (used.user + used.system) / 1000];
}

const pool = createRenderPool({ timeoutMs: 120_000 });
try {
  let t = performance.now();
  const first = await pool.render(spec);
  print('chart_worker_start_ms', round(performance.now() - t));

  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const times: number[] = [];
  for (let i = 0; i < RENDERS; i++) {
    t = performance.now();
    await pool.render(spec);
    times.push(performance.now() - t);
  }
  loop.disable();
  print('chart_render_p50_ms', round(percentile(times, 50)));
  print('chart_render_p95_ms', round(percentile(times, 95)));
  print('chart_png_bytes', first.length);
  print('main_loop_delay_p99_ms', round(loop.percentile(99) / 1e6));
  print('main_loop_delay_max_ms', round(loop.max / 1e6));

  await pool.render(backtestSpec);
  const backtestTimes: number[] = [];
  for (let i = 0; i < Math.max(1, Math.round(RENDERS / 2)); i++) {
    t = performance.now();
    await pool.render(backtestSpec);
    backtestTimes.push(performance.now() - t);
  }
  print('chart_backtest_ms', round(percentile(backtestTimes, 50)));

  // The same work on this thread, split by stage (warm, after the worker's runs above).
  renderSvg(spec);
  const inline = monitorEventLoopDelay({ resolution: 5 });
  inline.enable();
  const svgCpu: number[] = [];
  const rasterCpu: number[] = [];
  for (let i = 0; i < Math.min(RENDERS, 20); i++) {
    const [svg, svgMs] = cpuMs(() => renderSvg(spec));
    const [, rasterMs] = cpuMs(() => rasterize(svg));
    svgCpu.push(svgMs);
    rasterCpu.push(rasterMs);
    await new Promise((resolve) => setImmediate(resolve));
  }
  inline.disable();
  print('chart_svg_cpu_ms', round(percentile(svgCpu, 50)));
  print('chart_raster_cpu_ms', round(percentile(rasterCpu, 50)));
  print('inline_loop_delay_max_ms', round(inline.max / 1e6));
  print('host_cores', os.cpus().length);
  print('host_load_1m', round(os.loadavg()[0]!));
} finally {
  await pool.close();
}
