/**
 * npm run bench:push-backtest — does a running backtest slow the hub's push path? The same paced
 * load as bench:push (200 agents pushing status every 100 ms, from a separate process) is measured
 * twice against the same server: idle, then while a backtest (/compare: every strategy on a year
 * of 15m bars) runs in a backtest worker thread of this process, as the hub runs it.
 *   push_p99_ms_idle, push_p99_ms_with_backtest, push_p99_delta_ms (goal ≤ 2)
 *   backtest_progress_reports  progress messages the worker sent meanwhile (it was really running)
 *   backtest_runs_during_measure  comparisons finished meanwhile (a new one starts as one ends)
 * On a 2-core machine the worker takes one core; the load generator and the hub share the other.
 */
import { packBars } from '../src/hub/backtest/worker-messages.js';
import { createWorkerSlot } from '../src/hub/backtest/worker-slot.js';
import { BENCH_COSTS, yearOfBars, yearParams } from './support/backtest-year.js';
import { percentile } from './support/bench-db.js';
import { generate, startPushTarget } from './support/push-target.js';

const AGENTS = 200;
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 10);

const target = await startPushTarget('pushbt', AGENTS);
const { port, targets } = target;
const paced = () => generate({ port, mode: 'paced', targets, durationMs: PACED_SECONDS * 1000, intervalMs: 100 });

await generate({ port, mode: 'saturate', targets, durationMs: 1000, connections: 50 }); // warm up
const idle = await paced();

const bars = await yearOfBars();
const slot = createWorkerSlot();
let reports = 0;
let runs = 0;
let measuring = true;
/** Runs /compare on the worker, again and again while the paced load is measured (its bars are transferred, so packed each time). */
function keepBusy(): void {
  slot.run(
    {
      id: `bench-${runs}`,
      kind: 'compare',
      input: { costs: BENCH_COSTS, bars: packBars(bars), simulated: true, source: 'simulated', params: yearParams(undefined) },
    },
    {
      progress: () => void reports++,
      done: () => {
        runs++;
        if (measuring) keepBusy();
      },
      failed: (message) => {
        throw new Error(`the backtest failed: ${message}`);
      },
    },
  );
}
keepBusy();
// Let the worker start and load its modules before measuring.
while (reports === 0) await new Promise((r) => setTimeout(r, 50));
const busy = await paced();
measuring = false;
await slot.kill();

const p99Idle = percentile(idle.latencies, 99);
const p99Busy = percentile(busy.latencies, 99);
console.log(`push_p50_ms_idle=${percentile(idle.latencies, 50).toFixed(2)}`);
console.log(`push_p50_ms_with_backtest=${percentile(busy.latencies, 50).toFixed(2)}`);
console.log(`push_p99_ms_idle=${p99Idle.toFixed(2)}`);
console.log(`push_p99_ms_with_backtest=${p99Busy.toFixed(2)}`);
console.log(`push_p99_delta_ms=${(p99Busy - p99Idle).toFixed(2)}`);
console.log(`push_errors=${idle.errors + busy.errors}`);
console.log(`backtest_progress_reports=${reports}`);
console.log(`backtest_runs_during_measure=${runs}`);
await target.ingest.close();
await target.close();
