/**
 * What the hub and a backtest worker (./worker.ts) say to each other, and the two helpers both
 * sides use: bars packed into one transferable `Float64Array` (a year of bars crosses the thread
 * boundary without a structured clone of 35,000 objects on the hub's event loop), and the
 * throttle that keeps progress messages to a few a second.
 */
import type { Candle } from '../../shared/market.js';
import type { BacktestCosts, BacktestParams, BacktestProgress, BacktestResult, ComparisonResult } from './types.js';

/** Numbers per packed bar: openTime, open, high, low, close, volume. */
const BAR_FIELDS = 6;

/** A job as the worker receives it (`id` is the job's id, echoed in every reply). */
export type WorkerRequest = { id: string } & WorkerJob;

export type WorkerJob =
  | { kind: 'backtest'; input: { params: BacktestParams; costs: BacktestCosts; bars: Float64Array<ArrayBuffer> } }
  | { kind: 'compare'; input: { params: Omit<BacktestParams, 'strategy'>; costs: BacktestCosts; bars: Float64Array<ArrayBuffer> } };

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
  /** Post when this many more bars are done (default 2,000). */
  everyBars?: number;
  /** …or when this long has passed since the last post (ms, default 250). */
  everyMs?: number;
  now?: () => number;
}

/**
 * Wraps `post` so that it is called at most every `everyBars` bars or `everyMs` ms, whichever
 * comes first, and always for the last bar (`barsDone >= barsTotal`).
 */
export function throttleProgress(
  post: (p: BacktestProgress) => void,
  options: ProgressThrottleOptions = {},
): (p: BacktestProgress) => void {
  const everyBars = options.everyBars ?? 2_000;
  const everyMs = options.everyMs ?? 250;
  const now = options.now ?? (() => performance.now());
  let lastBars = 0;
  let lastAt = now();
  return (p) => {
    const at = now();
    if (p.barsDone < p.barsTotal && p.barsDone - lastBars < everyBars && at - lastAt < everyMs) return;
    lastBars = p.barsDone;
    lastAt = at;
    post(p);
  };
}
