import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCandleLimiter } from '../../../src/hub/market/candle-limiter.js';
import { createMemoryCreditStore } from '../../../src/hub/market/credit-store.js';
import { BudgetExhaustedError, QueueDeadlineError, RateLimitedError } from '../../../src/hub/market/errors.js';

const T0 = Date.UTC(2026, 0, 15, 9, 0, 10);

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Max number of timestamps inside any half-open window of `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('candle limiter', () => {
  it('starts at most 8 calls in any 60 s window (61 s with the default 1 s safety margin)', async () => {
    const limiter = createCandleLimiter({ now: () => Date.now() });
    const starts: number[] = [];
    const done = Array.from({ length: 20 }, (_, i) =>
      limiter.run({ key: `k${i}` }, async () => {
        starts.push(Date.now());
        return i;
      }),
    );
    await vi.advanceTimersByTimeAsync(180_000);
    expect(await Promise.all(done)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(starts.map((t) => t - T0)).toEqual([...Array(8).fill(0), ...Array(8).fill(61_000), ...Array(4).fill(122_000)]);
    expect(maxInWindow(starts, 61_000)).toBe(8);
    expect(limiter.stats()).toMatchObject({ upstreamCalls: 20, creditsUsed: 20, queued: 0, running: 0 });
  });

  it('coalesces identical in-flight calls into one', async () => {
    const limiter = createCandleLimiter({ now: () => Date.now() });
    let calls = 0;
    let release!: (v: string) => void;
    const task = () => {
      calls++;
      return new Promise<string>((resolve) => (release = resolve));
    };
    const results = Array.from({ length: 10 }, () => limiter.run({ key: 'BTCUSDT|1h' }, task));
    await vi.advanceTimersByTimeAsync(0);
    expect(limiter.isInFlight('BTCUSDT|1h')).toBe(true);
    release('bars');
    expect(await Promise.all(results)).toEqual(Array(10).fill('bars'));
    expect(calls).toBe(1);
    expect(limiter.stats()).toMatchObject({ upstreamCalls: 1, coalesced: 9, creditsUsed: 1 });
    expect(limiter.isInFlight('BTCUSDT|1h')).toBe(false);
  });

  it('serves higher priority first, and a higher-priority joiner raises a queued call', async () => {
    const limiter = createCandleLimiter({ intervalCap: 2, safetyMarginMs: 0, now: () => Date.now() });
    const order: string[] = [];
    const run = (key: string, priority: number) =>
      limiter.run({ key, priority }, async () => {
        order.push(key);
      });
    const all = [run('fill1', 0), run('fill2', 0), run('low1', 0), run('low2', 0), run('pos', 2), run('low3', 0)];
    // An agent with a position joins low3's call: low3 must now go right after `pos`.
    all.push(run('low3', 2));
    await vi.advanceTimersByTimeAsync(120_000);
    await Promise.all(all);
    expect(order).toEqual(['fill1', 'fill2', 'pos', 'low3', 'low1', 'low2']);
  });

  it('keeps the daily budget across a restart and resets it at UTC midnight', async () => {
    const creditStore = createMemoryCreditStore();
    let now = T0;
    const first = createCandleLimiter({ creditStore, dailyCredits: 3, now: () => now });
    for (let i = 0; i < 3; i++) await first.run({ key: `a${i}` }, async () => i);
    await expect(first.run({ key: 'a3' }, async () => 3)).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(creditStore.snapshot()).toEqual({ '2026-01-15': 3 });

    const restarted = createCandleLimiter({ creditStore, dailyCredits: 3, now: () => now });
    let ran = false;
    const error = await restarted.run({ key: 'b' }, async () => (ran = true)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExhaustedError);
    expect(error).toMatchObject({ name: 'BudgetExhaustedError', day: '2026-01-15', used: 3, budget: 3 });
    expect(ran).toBe(false);

    now = Date.UTC(2026, 0, 16, 0, 0, 1);
    expect(await restarted.run({ key: 'c' }, async () => 'new day')).toBe('new day');
    expect(await restarted.credits()).toEqual({ day: '2026-01-16', used: 1, budget: 3 });
  });

  it('rejects the caller past its deadline but still runs the queued call', async () => {
    const limiter = createCandleLimiter({ intervalCap: 1, safetyMarginMs: 0, now: () => Date.now() });
    await limiter.run({ key: 'fill' }, async () => 'x');
    let ranAt = 0;
    const caller = limiter.run({ key: 'late', maxWaitMs: 5_000 }, async () => {
      ranAt = Date.now();
      return 'late';
    });
    const error = await caller.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueDeadlineError);
    expect((error as QueueDeadlineError).estimated).toBe(true);
    expect((error as QueueDeadlineError).waitMs).toBe(60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(ranAt).toBe(T0 + 60_000);
  });

  it('times out a caller whose call is slow upstream', async () => {
    const limiter = createCandleLimiter({ now: () => Date.now() });
    const caller = limiter.run({ key: 'slow', maxWaitMs: 1_000 }, () => new Promise((resolve) => setTimeout(resolve, 10_000)));
    const check = expect(caller).rejects.toBeInstanceOf(QueueDeadlineError);
    await vi.advanceTimersByTimeAsync(1_000);
    await check;
  });

  it('on a minute 429 pauses until the next minute and retries', async () => {
    const limiter = createCandleLimiter({ now: () => Date.now() });
    const attempts: number[] = [];
    const result = limiter.run({ key: 'k' }, async () => {
      attempts.push(Date.now());
      if (attempts.length === 1) throw new RateLimitedError('twelvedata', 'minute', 'minute spent');
      return 'ok';
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await result).toBe('ok');
    expect(attempts).toEqual([T0, Date.UTC(2026, 0, 15, 9, 1, 0)]);
  });

  it('on a daily 429 marks the day spent', async () => {
    const creditStore = createMemoryCreditStore();
    const limiter = createCandleLimiter({ creditStore, dailyCredits: 800, now: () => Date.now() });
    await expect(
      limiter.run({ key: 'k' }, async () => {
        throw new RateLimitedError('twelvedata', 'daily', 'day spent');
      }),
    ).rejects.toMatchObject({ scope: 'daily' });
    expect(creditStore.snapshot()).toEqual({ '2026-01-15': 800 });
    await expect(limiter.run({ key: 'k2' }, async () => 1)).rejects.toBeInstanceOf(BudgetExhaustedError);
  });

  it('refuses a call that would spend the credits it must leave (reserve), on enqueue and at start, and still serves calls without one', async () => {
    const limiter = createCandleLimiter({ dailyCredits: 10, intervalCap: 2, safetyMarginMs: 0, now: () => Date.now() });
    expect(limiter.stats()).toMatchObject({ intervalCap: 2, windowMs: 60_000 });
    // A call reserving 4 of 10 credits may run while used + 1 <= 6.
    const agents = Array.from({ length: 5 }, (_, i) => limiter.run({ key: `agent${i}` }, async () => i));
    await vi.advanceTimersByTimeAsync(180_000);
    expect(await Promise.all(agents)).toEqual([0, 1, 2, 3, 4]);
    const first = limiter.run({ key: 'history0', reserve: 4 }, async () => 'page');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await first).toBe('page');
    await expect(limiter.run({ key: 'history1', reserve: 4 }, async () => 'page')).rejects.toBeInstanceOf(BudgetExhaustedError);
    // Queued behind the window while agents spend: refused when it would start.
    const limited = createCandleLimiter({ dailyCredits: 10, intervalCap: 1, safetyMarginMs: 0, now: () => Date.now() });
    await limited.run({ key: 'agent' }, async () => 'a');
    let ran = false;
    const page = limited.run({ key: 'history', reserve: 8 }, async () => (ran = true)).catch((e: unknown) => e);
    const agent = limited.run({ key: 'agent2', priority: 2 }, async () => 'b');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(await agent).toBe('b');
    expect(await page).toBeInstanceOf(BudgetExhaustedError);
    expect(ran).toBe(false);
    expect(await limited.credits()).toMatchObject({ used: 2 });
  });

  it('with a store shared by replicas, waits for the next wall-clock minute when the others took this one, uncharged', async () => {
    const minutesAsked: number[] = [];
    const taken = new Set([Date.UTC(2026, 0, 15, 9, 0)]); // the other replicas' 8 calls of 09:00
    const shared = {
      ...createMemoryCreditStore(),
      async reserveMinute(minuteMs: number, limit: number) {
        expect(limit).toBe(8);
        minutesAsked.push(minuteMs);
        return !taken.has(minuteMs);
      },
    };
    const limiter = createCandleLimiter({ creditStore: shared, now: () => Date.now() });
    const starts: number[] = [];
    const done = limiter.run({ key: 'k' }, async () => void starts.push(Date.now()));
    await vi.advanceTimersByTimeAsync(49_000);
    expect(starts).toEqual([]);
    expect(limiter.stats()).toMatchObject({ creditsUsed: 0, upstreamCalls: 0 });
    await vi.advanceTimersByTimeAsync(2_000);
    await done;
    expect(starts).toEqual([Date.UTC(2026, 0, 15, 9, 1)]);
    expect(minutesAsked).toEqual([Date.UTC(2026, 0, 15, 9, 0), Date.UTC(2026, 0, 15, 9, 1)]);
    expect(limiter.stats()).toMatchObject({ creditsUsed: 1, upstreamCalls: 1 });
  });
});
