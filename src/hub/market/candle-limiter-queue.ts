/**
 * The candle limiter's queue: ONE p-queue in strict (sliding-window) mode, the calls queued or
 * running in it (shared by coalesced callers, counted for wait estimates), the start of a call
 * (where its credits are charged) and the retry after a minute-scope 429.
 *
 * The queue uses the global timers and `Date.now()` (as p-queue does), which vitest fake timers
 * control; only the day boundary comes from the budget's `now()`.
 */
import type PQueue from 'p-queue';
import { assertAffordable, ensureToday, markDaySpent, reserveCredits, type DailyBudget } from './candle-limiter-budget.js';
import { RateLimitedError } from './errors.js';

/** One upstream call, queued or running, shared by every caller with its `key`. */
export interface Entry {
  key: string;
  seq: number;
  priority: number;
  /** Credits of the day the call leaves unspent (`LimitedCall.reserve`). */
  reserve: number;
  queueId: string;
  started: boolean;
  promise: Promise<unknown>;
}

export interface LimiterQueue {
  readonly queue: PQueue;
  /** False when `intervalCap` is infinite: no window, only concurrency and coalescing. */
  readonly limited: boolean;
  /** Max calls started per window. */
  readonly intervalCap: number;
  /** Upstream's window length in ms (a wall-clock minute for Twelve Data). */
  readonly intervalMs: number;
  /** `intervalMs` plus the safety margin: the window p-queue enforces, ms. */
  readonly windowMs: number;
  /** Retries of a call after a minute-scope 429. */
  readonly maxRetries: number;
  readonly budget: DailyBudget;
  /**
   * One call slot of the wall-clock minute starting at `minuteMs`, shared with the other hub
   * replicas (`CreditStore.reserveMinute`); absent when the store is this hub's alone.
   */
  readonly sharedMinute: ((minuteMs: number) => Promise<boolean>) | undefined;
  /** Calls queued or running, by coalescing key. */
  readonly inFlight: Map<string, Entry>;
  /** Start times (Date.now ms) of the last `intervalCap` calls, oldest first, for wait estimates. */
  readonly recentStarts: number[];
  /** Next entry's sequence number (arrival order among equal priorities). */
  seq: number;
  upstreamCalls: number;
  coalesced: number;
  resumeTimer: ReturnType<typeof setTimeout> | undefined;
}

/** Estimated ms until `entry` starts, from the queue ahead of it and the sliding window. */
export function estimateWaitMs(state: LimiterQueue, entry: Entry): number {
  if (!state.limited) return 0;
  const { intervalCap, windowMs } = state;
  let ahead = 0;
  for (const e of state.inFlight.values()) {
    if (e === entry || e.started) continue;
    if (e.priority > entry.priority || (e.priority === entry.priority && e.seq < entry.seq)) ahead++;
  }
  const t = Date.now();
  const window = state.recentStarts.filter((s) => s > t - windowMs);
  const free = intervalCap - window.length;
  if (ahead < free) return 0;
  const r = ahead - free;
  const oldest = window[r % intervalCap] ?? t;
  return oldest + windowMs * (Math.floor(r / intervalCap) + 1) - t;
}

/** Twelve Data's minute is a wall-clock minute: resume at the next `intervalMs` boundary. */
function pauseUntilNextMinute(state: LimiterQueue): void {
  if (state.resumeTimer) return;
  state.queue.pause();
  const period = state.limited ? state.intervalMs : 60_000;
  const delay = period - (Date.now() % period);
  state.resumeTimer = setTimeout(() => {
    state.resumeTimer = undefined;
    state.queue.start();
  }, delay);
}

/** The other replicas took this minute's calls: wait for the next minute (not an upstream 429). */
class MinuteTakenError extends Error {
  override readonly name = 'MinuteTakenError';
}

/**
 * Runs when p-queue starts `entry`: records the start, takes a slot of the minute shared with the
 * other replicas (if any), reserves the credits in the store (refused past the day's budget),
 * calls upstream.
 */
async function startCall<T>(state: LimiterQueue, entry: Entry, cost: number, task: () => Promise<T>): Promise<T> {
  const { budget, recentStarts } = state;
  entry.started = true;
  const startedAt = Date.now();
  recentStarts.push(startedAt);
  if (recentStarts.length > state.intervalCap) recentStarts.shift();
  const day = await ensureToday(budget);
  assertAffordable(budget, day, cost + entry.reserve);
  // The minute slot first: a slot taken by a call the budget then refuses costs nothing upstream.
  if (state.sharedMinute && !(await state.sharedMinute(startedAt - (startedAt % state.intervalMs)))) throw new MinuteTakenError();
  await reserveCredits(budget, day, cost, entry.reserve);
  state.upstreamCalls++;
  try {
    return await task();
  } catch (error) {
    if (error instanceof RateLimitedError && error.scope === 'daily') await markDaySpent(budget, day);
    throw error;
  }
}

/**
 * Queues `entry` and re-queues it after a minute-scope 429 (up to `maxRetries` times) or when the
 * other replicas took the minute's calls (as often as it takes: nothing went upstream).
 */
export async function queueWithRetries<T>(state: LimiterQueue, entry: Entry, cost: number, task: () => Promise<T>): Promise<T> {
  let rateLimited = 0;
  for (let attempt = 0; ; attempt++) {
    entry.started = false;
    entry.queueId = `${entry.key}#${entry.seq}.${attempt}`;
    try {
      return await state.queue.add(() => startCall(state, entry, cost, task), { priority: entry.priority, id: entry.queueId });
    } catch (error) {
      const minuteTaken = error instanceof MinuteTakenError;
      if (minuteTaken || (error instanceof RateLimitedError && error.scope === 'minute' && rateLimited++ < state.maxRetries)) {
        pauseUntilNextMinute(state);
        continue;
      }
      throw error;
    }
  }
}
