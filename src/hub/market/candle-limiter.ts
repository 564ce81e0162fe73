/**
 * The single gate in front of a credit-metered provider (Twelve Data): every upstream call goes
 * through ONE p-queue in strict (sliding-window) mode, so no more than `intervalCap` calls start in
 * any `intervalMs` (+ `safetyMarginMs`) window (default 8 per 61 s, Twelve Data's free plan being
 * 8 per minute), plus a daily credit budget
 * (default 800) persisted through a `CreditStore` so a restart keeps counting.
 *
 * - Coalescing: calls with the same `key` while one is queued or running share its promise
 *   (one upstream call, one credit).
 * - Priority: a higher `priority` starts first (p-queue `priority`); a joiner with a higher priority
 *   raises the queued call's priority.
 * - Deadline: with `maxWaitMs`, the CALLER is rejected with `QueueDeadlineError` as soon as the
 *   estimated start is past the deadline (or when the deadline passes); the call itself stays
 *   queued so it still refreshes whatever it feeds (the cache).
 * - Budget: a call that would exceed the day's budget (less the call's `reserve`) is rejected with
 *   `BudgetExhaustedError`: checked on enqueue against this hub's latest view, and at start by
 *   RESERVING the credits in the store (one atomic statement in PostgreSQL), so hub replicas on
 *   one database together never spend past the day's budget. A daily 429 from upstream marks the
 *   day spent; a minute 429 pauses the queue until the next minute boundary and retries the call.
 * - Replicas: with a shared store (`CreditStore.reserveMinute`), every call also takes a slot of
 *   its wall-clock minute in the store (at most `intervalCap` for all replicas together, as
 *   upstream counts); a call that finds the minute taken waits for the next minute, uncharged.
 *   Each hub's own sliding window stays as it is, so one hub alone behaves as before.
 *
 * The day boundary (UTC midnight) comes from the injected `now()`; the queue itself uses the
 * global timers and `Date.now()` (as p-queue does), which vitest fake timers control.
 */
import PQueue from 'p-queue';
import { assertAffordable, createDailyBudget, ensureToday } from './candle-limiter-budget.js';
import { estimateWaitMs, queueWithRetries, type Entry, type LimiterQueue } from './candle-limiter-queue.js';
import { QueueDeadlineError } from './errors.js';
import { createMemoryCreditStore, utcDay, type CreditStore } from './credit-store.js';

export interface CandleLimiterOptions {
  /** Where the daily counter is persisted (default: in memory, lost on restart). */
  creditStore?: CreditStore;
  /** Max calls started per window (default 8). */
  intervalCap?: number;
  /** Window length in ms (default 60 000). */
  intervalMs?: number;
  /**
   * Added to the window (ms, default 1 000). Upstream counts calls by ARRIVAL per wall-clock
   * minute; network jitter can move a call across a boundary, so keep a little headroom.
   */
  safetyMarginMs?: number;
  /** Credits per UTC day (default 800; `Infinity` for keyless providers). */
  dailyCredits?: number;
  /** Concurrent upstream calls (default 4). */
  concurrency?: number;
  /** Retries of a call after a minute-scope 429 (default 2). */
  maxRateLimitRetries?: number;
  /** Clock for the day boundary, ms (default `Date.now`). */
  now?: () => number;
}

export interface LimitedCall {
  /** Coalescing key: identical in-flight keys share one upstream call. */
  key: string;
  /** Higher starts first (default 0). */
  priority?: number;
  /** Credits this call costs (default 1). */
  cost?: number;
  /** Reject this caller with `QueueDeadlineError` if the result would arrive later than this (ms). */
  maxWaitMs?: number;
  /**
   * Credits of the day this call must leave unspent (default 0): it is refused with
   * `BudgetExhaustedError`, on enqueue or at start, when `used + cost > dailyCredits − reserve`.
   * Backtests pass the agents' share, so history never spends what running agents need.
   */
  reserve?: number;
}

export interface LimiterStats {
  /** Calls waiting in the queue. */
  queued: number;
  /** Calls running upstream. */
  running: number;
  /** Calls that reached the upstream (excluding budget refusals). */
  upstreamCalls: number;
  /** Callers served by joining an in-flight call. */
  coalesced: number;
  day: string;
  creditsUsed: number;
  dailyCredits: number;
  /** Calls started at most per window (`Infinity`: no window). */
  intervalCap: number;
  /** The window p-queue enforces (`intervalMs` plus the safety margin), ms. */
  windowMs: number;
}

export interface CandleLimiter {
  /** Run `task` under the rate limit and budget, coalesced by `call.key`. */
  run<T>(call: LimitedCall, task: () => Promise<T>): Promise<T>;
  /** Whether `key` is queued or running. */
  isInFlight(key: string): boolean;
  /** Credits spent today (loads the persisted counter if needed). */
  credits(): Promise<{ day: string; used: number; budget: number }>;
  /** Credits spent today as the store holds them (every hub on the database counts there); `limit` is the daily budget. */
  creditsToday(): Promise<{ used: number; limit: number }>;
  stats(): LimiterStats;
  /** Resolves when nothing is queued or running. */
  onIdle(): Promise<void>;
}

export function createCandleLimiter(options: CandleLimiterOptions = {}): CandleLimiter {
  const intervalCap = options.intervalCap ?? 8;
  const intervalMs = options.intervalMs ?? 60_000;
  const limited = Number.isFinite(intervalCap);
  const windowMs = intervalMs + (options.safetyMarginMs ?? 1_000);
  const creditStore = options.creditStore ?? createMemoryCreditStore();
  const state: LimiterQueue = {
    queue: new PQueue({
      concurrency: options.concurrency ?? 4,
      ...(limited ? { intervalCap, interval: windowMs, strict: true } : {}),
    }),
    limited,
    intervalCap,
    intervalMs,
    windowMs,
    maxRetries: options.maxRateLimitRetries ?? 2,
    budget: createDailyBudget(creditStore, options.dailyCredits ?? 800, options.now ?? Date.now),
    sharedMinute: limited && creditStore.reserveMinute ? (minuteMs) => creditStore.reserveMinute!(minuteMs, intervalCap) : undefined,
    inFlight: new Map(),
    recentStarts: [],
    seq: 0,
    upstreamCalls: 0,
    coalesced: 0,
    resumeTimer: undefined,
  };
  const { queue, inFlight, budget } = state;

  return {
    run: (call, task) => runLimited(state, call, task),

    isInFlight(key) {
      return inFlight.has(key);
    },

    async credits() {
      const day = await ensureToday(budget);
      return { day, used: budget.used, budget: budget.dailyCredits };
    },

    async creditsToday() {
      const day = utcDay(budget.now());
      return { used: await budget.creditStore.load(day), limit: budget.dailyCredits };
    },

    stats() {
      return {
        queued: queue.size,
        running: queue.pending,
        upstreamCalls: state.upstreamCalls,
        coalesced: state.coalesced,
        day: budget.day,
        creditsUsed: budget.used,
        dailyCredits: budget.dailyCredits,
        intervalCap: state.intervalCap,
        windowMs: state.windowMs,
      };
    },

    onIdle() {
      return queue.onIdle();
    },
  };
}

/** `CandleLimiter.run`: join the call in flight for `call.key`, or check the budget and queue a new one. */
async function runLimited<T>(state: LimiterQueue, call: LimitedCall, task: () => Promise<T>): Promise<T> {
  const { inFlight, budget } = state;
  const existing = inFlight.get(call.key);
  if (existing) return joinInFlight<T>(state, existing, call);
  const cost = call.cost ?? 1;
  const reserve = call.reserve ?? 0;
  const day = await ensureToday(budget);
  assertAffordable(budget, day, cost + reserve);
  // Re-check after the await: another caller may have created the entry meanwhile.
  const raced = inFlight.get(call.key);
  if (raced) return runLimited(state, call, task);
  const entry: Entry = {
    key: call.key,
    seq: state.seq++,
    priority: call.priority ?? 0,
    reserve,
    queueId: '',
    started: false,
    promise: Promise.resolve(),
  };
  const promise = queueWithRetries(state, entry, cost, task).finally(() => {
    if (inFlight.get(call.key) === entry) inFlight.delete(call.key);
  });
  entry.promise = promise;
  inFlight.set(call.key, entry);
  return withDeadline(state, entry, promise, call.maxWaitMs);
}

/** Coalescing: a caller with the key of a queued or running call shares its promise (and may raise its priority). */
function joinInFlight<T>(state: LimiterQueue, existing: Entry, call: LimitedCall): Promise<T> {
  const priority = call.priority ?? 0;
  state.coalesced++;
  if (!existing.started && priority > existing.priority) {
    existing.priority = priority;
    try {
      state.queue.setPriority(existing.queueId, priority);
    } catch {
      // Already dequeued between our check and now: nothing to raise.
    }
  }
  return withDeadline(state, existing, existing.promise as Promise<T>, call.maxWaitMs);
}

/**
 * The caller's deadline: rejects with `QueueDeadlineError` at once when the estimated start is
 * past `maxWaitMs`, or when `maxWaitMs` passes; `promise` (the call itself) runs on regardless.
 */
function withDeadline<T>(state: LimiterQueue, entry: Entry, promise: Promise<T>, maxWaitMs: number | undefined): Promise<T> {
  if (maxWaitMs === undefined || !Number.isFinite(maxWaitMs)) return promise;
  const estimate = entry.started ? 0 : estimateWaitMs(state, entry);
  if (estimate > maxWaitMs) {
    promise.catch(() => undefined);
    return Promise.reject(new QueueDeadlineError(estimate, true));
  }
  const startedAt = Date.now();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new QueueDeadlineError(Date.now() - startedAt)), Math.max(0, maxWaitMs));
    const stopTimer = () => clearTimeout(timer);
    promise.then(stopTimer, stopTimer);
    // The call's own outcome, passed through unchanged (whatever the task rejected with).
    promise.then(resolve, reject);
  });
}
