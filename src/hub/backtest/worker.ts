/**
 * The backtest worker's entry (a `node:worker_threads` worker started by ./backtest-queue.ts):
 * runs each job it is sent — one backtest or one comparison — with the engine, posts progress at
 * most four times a second and then the result, or the error's name and message. One job at a time;
 * the queue sends the next when this one is answered, and ends the thread to cancel one.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { runBacktest, runComparison } from './run-backtest.js';
import { throttleProgress, unpackBars, type JobOutcome, type WorkerReply, type WorkerRequest } from './worker-messages.js';

/** Bars between the runner's progress reports; the throttle then posts at most four a second. */
const PROGRESS_EVERY_BARS = 1_000;

const port = parentPort;
if (!port) throw new Error('backtest worker.ts runs only as a worker thread');

/** Nice value of a backtest thread: the lowest priority, so the hub's own thread (pushes, orders) goes first. */
export const BACKTEST_NICE = 19;

/**
 * Lowers this thread's CPU priority. On Linux a thread is a task with its own id
 * (`/proc/thread-self` → `<pid>/task/<tid>`) and `setpriority` on that id renices this thread
 * only. Elsewhere, or when refused, the worker runs at the hub's priority.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, BACKTEST_NICE);
  } catch {
    // Not Linux, or not permitted: nothing to lower.
  }
}
lowerPriority();

async function run(request: WorkerRequest): Promise<JobOutcome> {
  const bars = unpackBars(request.input.bars);
  const onProgress = throttleProgress((progress) =>
    port!.postMessage({ id: request.id, type: 'progress', progress } satisfies WorkerReply),
  );
  if (request.kind === 'backtest') {
    return { kind: 'backtest', result: await runBacktest({ ...request.input, bars, onProgress, progressEveryBars: PROGRESS_EVERY_BARS }) };
  }
  return { kind: 'compare', result: await runComparison({ ...request.input, bars, onProgress, progressEveryBars: PROGRESS_EVERY_BARS }) };
}

port.on('message', (request: WorkerRequest) => {
  run(request).then(
    (outcome) => port.postMessage({ id: request.id, type: 'done', outcome } satisfies WorkerReply),
    (error: unknown) => {
      const err = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ id: request.id, type: 'failed', error: { name: err.name, message: err.message } } satisfies WorkerReply);
    },
  );
});
