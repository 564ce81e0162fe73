/**
 * Strategy benchmark: evaluates every strategy on 1,000 candles, several repetitions, and prints
 * `name=value` lines (milliseconds, mean per pass):
 *   strategies_tick_ms=<time to evaluate ALL strategies once on 1,000 candles>
 *   strategy_<name>_ms=<time for one evaluation of that strategy>
 */
import { performance } from 'node:perf_hooks';
import { STRATEGIES } from '../src/engine/strategies/index.js';
import { randomWalk } from '../test/fixtures/candles.js';

const CANDLES = 1000;
const WARMUP_PASSES = 5;
const PASSES = 30;

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
  // Printed so the work cannot be optimized away.
  `strategies_checksum=${sink.toFixed(6)}`,
];
process.stdout.write(lines.join('\n') + '\n');
