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
 * - Budget: a call that would exceed the day's budget is rejected with `BudgetExhaustedError`
 *   (checked on enqueue and again at start). A daily 429 from upstream marks the day spent;
 *   a minute 429 pauses the queue until the next minute boundary and retries the call.
 *
 * The day boundary (UTC midnight) comes from the injected `now()`; the queue itself uses the
 * global timers and `Date.now()` (as p-queue does), which vitest fake timers control.
 */
import PQueue from 'p-queue';
import { BudgetExhaustedError, QueueDeadlineError, RateLimitedError } from './errors.js';
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
}

export interface CandleLimiter {
  /** Run `task` under the rate limit and budget, coalesced by `call.key`. */
  run<T>(call: LimitedCall, task: () => Promise<T>): Promise<T>;
  /** Whether `key` is queued or running. */
  isInFlight(key: string): boolean;
  /** Credits spent today (loads the persisted counter if needed). */
  credits(): Promise<{ day: string; used: number; budget: number }>;
  stats(): LimiterStats;
  /** Resolves when nothing is queued or running. */
  onIdle(): Promise<void>;
}

interface Entry {
  key: string;
  seq: number;
  priority: number;
  queueId: string;
  started: boolean;
  promise: Promise<unknown>;
}

export function createCandleLimiter(options: CandleLimiterOptions = {}): CandleLimiter {
  const creditStore = options.creditStore ?? createMemoryCreditStore();
  const intervalCap = options.intervalCap ?? 8;
  const intervalMs = options.intervalMs ?? 60_000;
  const dailyCredits = options.dailyCredits ?? 800;
  const maxRetries = options.maxRateLimitRetries ?? 2;
  const now = options.now ?? Date.now;
  const limited = Number.isFinite(intervalCap);
  const windowMs = intervalMs + (options.safetyMarginMs ?? 1_000);

  const queue = new PQueue({
    concurrency: options.concurrency ?? 4,
    ...(limited ? { intervalCap, interval: windowMs, strict: true } : {}),
  });

  const inFlight = new Map<string, Entry>();
  /** Start times (Date.now ms) of the last `intervalCap` calls, oldest first, for wait estimates. */
  const recentStarts: number[] = [];
  let seq = 0;
  let upstreamCalls = 0;
  let coalesced = 0;
  let budget = { day: '', used: 0 };
  let loading: Promise<void> | undefined;
  let resumeTimer: ReturnType<typeof setTimeout> | undefined;

  /** Make sure `budget` describes today, loading the persisted counter on a new day. */
  async function ensureToday(): Promise<string> {
    const today = utcDay(now());
    while (budget.day !== today) {
      if (!loading) {
        loading = creditStore.load(today).then(
          (used) => {
            budget = { day: today, used };
            loading = undefined;
          },
          (error: unknown) => {
            loading = undefined;
            throw error;
          },
        );
      }
      await loading;
    }
    return today;
  }

  /** Estimated ms until `entry` starts, from the queue ahead of it and the sliding window. */
  function estimateWaitMs(entry: Entry): number {
    if (!limited) return 0;
    let ahead = 0;
    for (const e of inFlight.values()) {
      if (e === entry || e.started) continue;
      if (e.priority > entry.priority || (e.priority === entry.priority && e.seq < entry.seq)) ahead++;
    }
    const t = Date.now();
    const window = recentStarts.filter((s) => s > t - windowMs);
    const free = intervalCap - window.length;
    if (ahead < free) return 0;
    const r = ahead - free;
    const oldest = window[r % intervalCap] ?? t;
    return oldest + windowMs * (Math.floor(r / intervalCap) + 1) - t;
  }

  /** Twelve Data's minute is a wall-clock minute: resume at the next `intervalMs` boundary. */
  function pauseUntilNextMinute(): void {
    if (resumeTimer) return;
    queue.pause();
    const period = limited ? intervalMs : 60_000;
    const delay = period - (Date.now() % period);
    resumeTimer = setTimeout(() => {
      resumeTimer = undefined;
      queue.start();
    }, delay);
  }

  async function execute<T>(entry: Entry, cost: number, task: () => Promise<T>): Promise<T> {
    entry.started = true;
    recentStarts.push(Date.now());
    if (recentStarts.length > intervalCap) recentStarts.shift();
    const day = await ensureToday();
    if (budget.used + cost > dailyCredits) throw new BudgetExhaustedError(day, budget.used, dailyCredits);
    budget.used += cost;
    await creditStore.add(day, cost);
    upstreamCalls++;
    try {
      return await task();
    } catch (error) {
      if (error instanceof RateLimitedError && error.scope === 'daily' && budget.day === day) {
        const missing = dailyCredits - budget.used;
        if (missing > 0 && Number.isFinite(missing)) {
          budget.used += missing;
          await creditStore.add(day, missing);
        }
      }
      throw error;
    }
  }

  async function drive<T>(entry: Entry, cost: number, task: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      entry.started = false;
      entry.queueId = `${entry.key}#${entry.seq}.${attempt}`;
      try {
        return await queue.add(() => execute(entry, cost, task), { priority: entry.priority, id: entry.queueId });
      } catch (error) {
        if (error instanceof RateLimitedError && error.scope === 'minute' && attempt < maxRetries) {
          pauseUntilNextMinute();
          continue;
        }
        throw error;
      }
    }
  }

  function withDeadline<T>(entry: Entry, promise: Promise<T>, maxWaitMs: number | undefined): Promise<T> {
    if (maxWaitMs === undefined || !Number.isFinite(maxWaitMs)) return promise;
    const estimate = entry.started ? 0 : estimateWaitMs(entry);
    if (estimate > maxWaitMs) {
      promise.catch(() => undefined);
      return Promise.reject(new QueueDeadlineError(estimate, true));
    }
    const startedAt = Date.now();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new QueueDeadlineError(Date.now() - startedAt)), Math.max(0, maxWaitMs));
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  return {
    async run<T>(call: LimitedCall, task: () => Promise<T>): Promise<T> {
      const priority = call.priority ?? 0;
      const existing = inFlight.get(call.key);
      if (existing) {
        coalesced++;
        if (!existing.started && priority > existing.priority) {
          existing.priority = priority;
          try {
            queue.setPriority(existing.queueId, priority);
          } catch {
            // Already dequeued between our check and now: nothing to raise.
          }
        }
        return withDeadline(existing, existing.promise as Promise<T>, call.maxWaitMs);
      }
      const cost = call.cost ?? 1;
      const day = await ensureToday();
      if (budget.used + cost > dailyCredits) throw new BudgetExhaustedError(day, budget.used, dailyCredits);
      // Re-check after the await: another caller may have created the entry meanwhile.
      const raced = inFlight.get(call.key);
      if (raced) return this.run(call, task);
      const entry: Entry = { key: call.key, seq: seq++, priority, queueId: '', started: false, promise: Promise.resolve() };
      const promise = drive(entry, cost, task).finally(() => {
        if (inFlight.get(call.key) === entry) inFlight.delete(call.key);
      });
      entry.promise = promise;
      inFlight.set(call.key, entry);
      return withDeadline(entry, promise, call.maxWaitMs);
    },

    isInFlight(key) {
      return inFlight.has(key);
    },

    async credits() {
      const day = await ensureToday();
      return { day, used: budget.used, budget: dailyCredits };
    },

    stats() {
      return {
        queued: queue.size,
        running: queue.pending,
        upstreamCalls,
        coalesced,
        day: budget.day,
        creditsUsed: budget.used,
        dailyCredits,
      };
    },

    onIdle() {
      return queue.onIdle();
    },
  };
}
