/**
 * What the hub and a backtest worker (./worker.ts) say to each other, and the two helpers both
 * sides use: bars packed into one transferable `Float64Array` (a year of bars crosses the thread
 * boundary without a structured clone of 35,000 objects on the hub's event loop), and the
 * throttle that keeps progress messages to four a second at most.
 */
import type { Candle } from '../../shared/market.js';
import type { BacktestCosts, BacktestParams, BacktestProgress, BacktestResult, ComparisonResult } from './types.js';

/** Numbers per packed bar: openTime, open, high, low, close, volume. */
const BAR_FIELDS = 6;

/** A job as the worker receives it (`id` is the job's id, echoed in every reply). */
export type WorkerRequest = { id: string } & WorkerJob;

/** What the runner gets besides the params (./run-backtest.ts `RunInput`), with the bars packed. */
interface JobInput {
  costs: BacktestCosts;
  bars: Float64Array<ArrayBuffer>;
  /** Whether the bars are simulated, and their provider. */
  simulated: boolean;
  source: string;
}

export type WorkerJob =
  | { kind: 'backtest'; input: JobInput & { params: BacktestParams } }
  | { kind: 'compare'; input: JobInput & { params: Omit<BacktestParams, 'strategy'> } };

export type JobOutcome = { kind: 'backtest'; result: BacktestResult } | { kind: 'compare'; result: ComparisonResult };

export type WorkerReply =
  | { id: string; type: 'progress'; progress: BacktestProgress }
  | { id: string; type: 'done'; outcome: JobOutcome }
  | { id: string; type: 'failed'; error: { name: string; message: string } };

/** Bars oldest-first → `[openTime, open, high, low, close, volume, …]`. */
export function packBars(bars: readonly Candle[]): Float64Array<ArrayBuffer> {
  const packed = new Float64Array(bars.length * BAR_FIELDS);
  bars.forEach((b, i) => {
    const at = i * BAR_FIELDS;
    packed[at] = b.openTime;
    packed[at + 1] = b.open;
    packed[at + 2] = b.high;
    packed[at + 3] = b.low;
    packed[at + 4] = b.close;
    packed[at + 5] = b.volume;
  });
  return packed;
}

export function unpackBars(packed: Float64Array): Candle[] {
  const bars: Candle[] = new Array<Candle>(packed.length / BAR_FIELDS);
  for (let i = 0; i < bars.length; i++) {
    const at = i * BAR_FIELDS;
    bars[i] = {
      openTime: packed[at]!,
      open: packed[at + 1]!,
      high: packed[at + 2]!,
      low: packed[at + 3]!,
      close: packed[at + 4]!,
      volume: packed[at + 5]!,
    };
  }
  return bars;
}

export interface ProgressThrottleOptions {
  /** Least time between two posts (ms, default 250). */
  everyMs?: number;
  now?: () => number;
}

/** Wraps `post` so that it is called at most every `everyMs`, and always for the last bar (`barsDone >= barsTotal`). */
export function throttleProgress(
  post: (p: BacktestProgress) => void,
  options: ProgressThrottleOptions = {},
): (p: BacktestProgress) => void {
  const everyMs = options.everyMs ?? 250;
  const now = options.now ?? (() => performance.now());
  let lastAt = -Infinity;
  return (p) => {
    const at = now();
    if (p.barsDone < p.barsTotal && at - lastAt < everyMs) return;
    lastAt = at;
    post(p);
  };
}
