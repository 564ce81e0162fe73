/**
 * Strategy benchmark, printing `name=value` lines.
 *
 * Window evaluation: every strategy's `evaluate` on 1,000 candles, several repetitions
 * (milliseconds, mean per pass):
 *   strategies_tick_ms=<time to evaluate ALL strategies once on 1,000 candles>
 *   strategy_<name>_ms=<time for one evaluation of that strategy>
 *
 * Streaming (what a backtest does): one stream per strategy, default parameters, pushed one year
 * of simulated 15m bars (35,040, BTC profile of the hub's simulated market), one pass each after
 * a warm-up pass on the first bars. Rates are per second of this process's CPU time, which a
 * busy shared machine does not inflate; the totals give both clocks:
 *   stream_<name>_bars_per_s=<bars pushed per CPU second>
 *   stream_all_strategies_s=<wall seconds for all strategies over the year>
 *   stream_all_strategies_cpu_s=<CPU seconds for the same>
 */
import { performance } from 'node:perf_hooks';
import { STRATEGIES } from '../src/engine/strategies/index.js';
import { createPricePath } from '../src/hub/market/simulated-path.js';
import { randomWalk } from '../test/fixtures/candles.js';

const CANDLES = 1000;
const WARMUP_PASSES = 5;
const PASSES = 30;
/** One year of 15-minute bars. */
const STREAM_BARS = 35_040;
const STREAM_WARMUP_BARS = 5_000;

const candles = randomWalk(CANDLES, { seed: 42, vol: 0.01, drift: 0.0002 });

let sink = 0;
for (let i = 0; i < WARMUP_PASSES; i++) {
  for (const s of STRATEGIES) sink += s.evaluate(candles).signal;
}

const perStrategy = new Map<string, number>(STRATEGIES.map((s) => [s.name, 0]));
let total = 0;
for (let pass = 0; pass < PASSES; pass++) {
  const passStart = performance.now();
  for (const s of STRATEGIES) {
    const t = performance.now();
    sink += s.evaluate(candles).signal;
    perStrategy.set(s.name, (perStrategy.get(s.name) ?? 0) + performance.now() - t);
  }
  total += performance.now() - passStart;
}

const lines = [
  `strategies_count=${STRATEGIES.length}`,
  `strategies_candles=${CANDLES}`,
  `strategies_passes=${PASSES}`,
  `strategies_tick_ms=${(total / PASSES).toFixed(3)}`,
  ...[...perStrategy].map(([name, ms]) => `strategy_${name}_ms=${(ms / PASSES).toFixed(3)}`),
];

const path = createPricePath(1, { price: 65_000, vol: 0.55, volume: 12 });
const year = Array.from({ length: STREAM_BARS }, (_, i) => path.candle('15m', i));
for (const s of STRATEGIES) {
  const warm = s.stream();
  for (let i = 0; i < STREAM_WARMUP_BARS; i++) sink += warm.push(year[i]).signal;
}
let wallTotal = 0;
let cpuTotal = 0;
lines.push(`stream_bars=${STREAM_BARS}`);
for (const s of STRATEGIES) {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const stream = s.stream();
  for (let i = 0; i < STREAM_BARS; i++) sink += stream.push(year[i]).signal;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  wallTotal += (performance.now() - wall) / 1000;
  cpuTotal += cpuSeconds;
  lines.push(`stream_${s.name}_bars_per_s=${Math.round(STREAM_BARS / cpuSeconds)}`);
}
lines.push(
  `stream_all_strategies_s=${wallTotal.toFixed(3)}`,
  `stream_all_strategies_cpu_s=${cpuTotal.toFixed(3)}`,
  // Printed so the work cannot be optimized away.
  `strategies_checksum=${sink.toFixed(6)}`,
);
process.stdout.write(lines.join('\n') + '\n');
