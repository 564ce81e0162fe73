/**
 * Simulated market benchmark: the cost of serving the most recent bars of one symbol, cold (a new
 * provider, nothing memoised: what a hub pays after a restart) and warm (the same request again).
 * Every interval is derived from one 1-minute path top-down, so the cost of N bars should hardly
 * depend on the interval, although 500 daily bars cover 720 000 one-minute bars.
 *
 * Prints `name=value` lines, medians over `RUNS` runs (each cold run uses a fresh seed):
 *   simulated_<interval>_<bars>_cold_ms / _cold_cpu_ms   wall and CPU time of the first request
 *   simulated_<interval>_<bars>_warm_ms                  the same request, answered from the memo
 * Env: BENCH_RUNS (7).
 */
import { performance } from 'node:perf_hooks';
import type { Interval } from '../src/shared/market.js';
import { createSimulatedProvider } from '../src/hub/market/simulated.js';
import { parseSymbol } from '../src/hub/market/symbols.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const NOW = Date.UTC(2026, 4, 5, 10, 7, 30);
const CASES: Array<[Interval, number]> = [
  ['1m', 500],
  ['1h', 500],
  ['1d', 500],
  ['1m', 5_000],
  ['15m', 5_000],
  ['1d', 5_000],
];
const btc = parseSymbol('BTCUSDT');

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1_000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let sink = 0;
async function measure(interval: Interval, bars: number, seed: number): Promise<{ cold: number; coldCpu: number; warm: number }> {
  const sim = createSimulatedProvider({ now: () => NOW, seed });
  const [t0, c0] = [performance.now(), cpuMs()];
  sink += (await sim.candles(btc, interval, bars)).length;
  const [t1, c1] = [performance.now(), cpuMs()];
  sink += (await sim.candles(btc, interval, bars)).length;
  return { cold: t1 - t0, coldCpu: c1 - c0, warm: performance.now() - t1 };
}

// Warm up the JIT on seeds that are not measured.
for (const [interval, bars] of CASES) await measure(interval, bars, 1_000_000);

const lines: string[] = [`simulated_runs=${RUNS}`];
for (const [interval, bars] of CASES) {
  const runs = [];
  for (let run = 0; run < RUNS; run++) runs.push(await measure(interval, bars, run + 1));
  const name = `simulated_${interval}_${bars}`;
  lines.push(
    `${name}_cold_ms=${median(runs.map((r) => r.cold)).toFixed(2)}`,
    `${name}_cold_cpu_ms=${median(runs.map((r) => r.coldCpu)).toFixed(2)}`,
    `${name}_warm_ms=${median(runs.map((r) => r.warm)).toFixed(2)}`,
  );
}
// Printed so the work cannot be optimised away.
lines.push(`simulated_checksum=${sink}`);
process.stdout.write(lines.join('\n') + '\n');
