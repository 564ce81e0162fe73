import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCandleLimiter, type CandleLimiter } from '../../../src/hub/market/candle-limiter.js';
import { createCandleService, type CandleService } from '../../../src/hub/market/candle-service.js';
import { createMemoryCandleStore, type MemoryCandleStore } from '../../../src/hub/market/candle-store.js';
import { createMemoryCreditStore, type CreditStore } from '../../../src/hub/market/credit-store.js';
import { BudgetExhaustedError, CandlesUnavailableError, UnsupportedSymbolError } from '../../../src/hub/market/errors.js';
import { createSimulatedProvider } from '../../../src/hub/market/simulated.js';
import { INTERVALS, type Interval } from '../../../src/shared/market.js';
import { UnknownSymbolError } from '../../../src/hub/market/symbols.js';
import { createTwelveDataProvider } from '../../../src/hub/market/twelve-data.js';
import { startTwelveDataServer, type TwelveDataServer } from '../../support/twelve-data-server.js';

/** Real timers, captured before any test fakes them: HTTP I/O needs real event-loop turns. */
const realSetTimeout = globalThis.setTimeout;
const realSetImmediate = globalThis.setImmediate;
const realTick = () => new Promise<void>((resolve) => realSetTimeout(resolve, 1));
const realImmediate = () => new Promise<void>((resolve) => realSetImmediate(resolve));

const T0 = Date.UTC(2026, 2, 10, 10, 5, 0);
const API_KEY = 'td-test-key';

let server: TwelveDataServer;

beforeEach(async () => {
  vi.useFakeTimers({ now: T0 });
  server = await startTwelveDataServer({ apiKey: API_KEY, now: () => Date.now(), enforce: { perMinute: 8, perDay: 800 } });
});
afterEach(async () => {
  vi.useRealTimers();
  await server.close();
});

interface Rig {
  service: CandleService;
  limiter: CandleLimiter;
  store: MemoryCandleStore;
  creditStore: CreditStore;
}

function rig(overrides: { dailyCredits?: number; creditStore?: CreditStore; store?: MemoryCandleStore; maxWaitMs?: number } = {}): Rig {
  const now = () => Date.now();
  const creditStore = overrides.creditStore ?? createMemoryCreditStore();
  const limiter = createCandleLimiter({ creditStore, dailyCredits: overrides.dailyCredits ?? 800, now });
  const store = overrides.store ?? createMemoryCandleStore();
  const provider = createTwelveDataProvider({ apiKey: API_KEY, baseUrl: server.url });
  const service = createCandleService({ provider, limiter, store, now, maxWaitMs: overrides.maxWaitMs ?? 5_000 });
  return { service, limiter, store, creditStore };
}

/** Let real I/O finish while fake time stands still. */
async function settle(limiter: CandleLimiter): Promise<void> {
  // A real macrotask first: it drains every pending microtask chain, so calls about to be queued
  // are started (and counted as running) before we look.
  await realImmediate();
  while (limiter.stats().running > 0) await realTick();
}

/** Resolve `promise` by alternately settling I/O and firing the next fake timer. */
async function drive<T>(limiter: CandleLimiter, promise: Promise<T>, maxSteps = 1000): Promise<T> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let step = 0; step < maxSteps && !done; step++) {
    await settle(limiter);
    if (!done) await vi.advanceTimersToNextTimerAsync();
  }
  return promise;
}

function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('candle service', () => {
  it('100 agents over 10 symbols for 10 minutes: ≤ 8 upstream calls per 60 s, everyone served', async () => {
    const { service, limiter } = rig();
    const symbols = ['BTCUSDT', 'ETH/USD', 'sol-usdt', 'BNB', 'XRPUSDT', 'DOGEUSDT', 'ADA', 'AVAX/USDT', 'LINKUSDT', 'TON'];
    const end = T0 + 10 * 60_000;
    const served = new Array<number>(100).fill(0);
    const firstServedAt = new Array<number>(100).fill(0);
    let staleServed = 0;
    let errors = 0;
    let maxWait = 0;

    async function agent(i: number): Promise<void> {
      const symbol = symbols[i % 10]!;
      const interval = Math.floor(i / 10) % 2 === 0 ? '1m' : '15m'; // every symbol on both intervals
      const priority = i % 4 === 0 ? 'position' : 'normal';
      const pollMs = 5_000 + (i % 7) * 2_000;
      await new Promise((resolve) => setTimeout(resolve, (i * 137) % 5_000));
      while (Date.now() < end) {
        try {
          const askedAt = Date.now();
          const result = await service.getCandles({ symbol, interval, limit: 100, priority });
          // Once an agent has been served, it never waits longer than the service's deadline.
          if (served[i]! > 0) maxWait = Math.max(maxWait, Date.now() - askedAt);
          expect(result.candles).toHaveLength(100);
          expect(result.source).toBe('twelvedata');
          expect(result.simulated).toBe(false);
          if (result.stale) staleServed++;
          if (served[i] === 0) firstServedAt[i] = Date.now();
          served[i]!++;
        } catch {
          errors++;
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    }

    const agents = Promise.all(Array.from({ length: 100 }, (_, i) => agent(i)));
    let finished = false;
    void agents.then(() => (finished = true));
    while (!finished && Date.now() < end + 120_000) {
      await settle(limiter);
      await vi.advanceTimersToNextTimerAsync();
    }
    await agents;

    const times = server.calls.map((c) => c.at);
    expect(maxInWindow(times, 60_000)).toBeLessThanOrEqual(8);
    expect(server.calls.filter((c) => c.errorCode !== undefined)).toEqual([]);
    expect(errors).toBe(0);
    expect(served.every((n) => n > 0)).toBe(true);
    // 20 series at 8 calls/min: the last cold series is served within 3 minutes.
    expect(Math.max(...firstServedAt) - T0).toBeLessThanOrEqual(3 * 60_000);
    // Ten 1m series need 10 refreshes a minute; the limiter caps at 8, so some answers are stale.
    expect(staleServed).toBeGreaterThan(0);
    expect(maxWait).toBeLessThanOrEqual(5_000);
    expect(server.calls.length).toBeGreaterThanOrEqual(60);
    expect(limiter.stats().coalesced).toBeGreaterThan(0);
    expect(limiter.stats().creditsUsed).toBe(server.calls.length);
  }, 60_000);

  it('coalesces concurrent identical requests into one upstream call', async () => {
    const { service, limiter } = rig();
    const results = await drive(
      limiter,
      Promise.all(Array.from({ length: 50 }, () => service.getCandles({ symbol: 'BTCUSDT', interval: '1h', limit: 50 }))),
    );
    expect(server.callCount('/time_series')).toBe(1);
    expect(server.calls[0]!.query).toMatchObject({ symbol: 'BTC/USD', interval: '1h', outputsize: '300', order: 'asc', timezone: 'UTC' });
    for (const r of results) {
      expect(r.candles).toHaveLength(50);
      expect(r.stale).toBe(false);
    }
  });

  it('a series stays fresh until its next bar closes, then refreshes once', async () => {
    const { service, limiter, store } = rig();
    const get = () => drive(limiter, service.getCandles({ symbol: 'ETHUSDT', interval: '1h', limit: 24 }));
    const first = await get();
    expect(first.candles.at(-1)!.openTime).toBe(Date.UTC(2026, 2, 10, 10)); // the forming bar
    expect(first.cached).toBe(false);
    expect(store.size()).toBe(300);

    vi.setSystemTime(Date.UTC(2026, 2, 10, 10, 59, 59));
    expect(await get()).toMatchObject({ stale: false, cached: true });
    expect(server.callCount()).toBe(1);

    vi.setSystemTime(Date.UTC(2026, 2, 10, 11, 0, 1));
    const next = await get();
    expect(server.callCount()).toBe(2);
    expect(next.candles.at(-1)!.openTime).toBe(Date.UTC(2026, 2, 10, 11));
    expect(store.size()).toBe(301); // upserted: one new row, the rest overwritten

    // A restarted hub with the same store serves the series without a call while it is fresh.
    const restarted = createCandleService({
      provider: createTwelveDataProvider({ apiKey: API_KEY, baseUrl: server.url }),
      store,
      now: () => Date.now(),
    });
    vi.setSystemTime(Date.UTC(2026, 2, 10, 11, 30));
    expect((await restarted.getCandles({ symbol: 'ETH', interval: '1h', limit: 24 })).stale).toBe(false);
    expect(server.callCount()).toBe(2);
  });

  it('serves stale data once the daily budget is spent, and keeps the cap across a restart', async () => {
    const creditStore = createMemoryCreditStore();
    const store = createMemoryCandleStore();
    const a = rig({ dailyCredits: 2, creditStore, store });
    await drive(a.limiter, a.service.getCandles({ symbol: 'BTC', interval: '15m', limit: 10 }));
    await drive(a.limiter, a.service.getCandles({ symbol: 'ETH', interval: '15m', limit: 10 }));
    expect(server.callCount()).toBe(2);

    vi.setSystemTime(T0 + 15 * 60_000); // the 15m bar closed: BTC is no longer fresh
    const stale = await drive(a.limiter, a.service.getCandles({ symbol: 'BTC', interval: '15m', limit: 10 }));
    expect(stale).toMatchObject({ stale: true, cached: true, staleReason: 'budget' });
    expect(stale.candles).toHaveLength(10);
    expect(server.callCount()).toBe(2);

    // "Restart": new limiter and service over the same credit store; the budget is still spent.
    const b = rig({ dailyCredits: 2, creditStore, store });
    expect((await drive(b.limiter, b.service.getCandles({ symbol: 'ETH', interval: '15m', limit: 10 }))).stale).toBe(true);
    const error = await drive(b.limiter, b.service.getCandles({ symbol: 'SOL', interval: '15m', limit: 10 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CandlesUnavailableError);
    expect((error as Error).cause).toBeInstanceOf(BudgetExhaustedError);
    expect(server.callCount()).toBe(2);
    expect(await creditStore.load('2026-03-10')).toBe(2);
  });

  it('serves open-position agents first', async () => {
    const { service, limiter } = rig();
    const fill = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP', 'DOGE', 'ADA', 'AVAX'].map((s) =>
      service.getCandles({ symbol: s, interval: '4h', limit: 5 }),
    );
    await drive(limiter, Promise.all(fill));
    const waiting = [
      service.getCandles({ symbol: 'LINK', interval: '4h', limit: 5, priority: 'background' }),
      service.getCandles({ symbol: 'TON', interval: '4h', limit: 5 }),
      service.getCandles({ symbol: 'SUI', interval: '4h', limit: 5, priority: 'position' }),
      service.getCandles({ symbol: 'LTC', interval: '4h', limit: 5, priority: 'position' }),
    ];
    await drive(limiter, Promise.all(waiting));
    expect(server.calls.slice(8).map((c) => c.query.symbol)).toEqual(['SUI/USD', 'LTC/USD', 'TON/USD', 'LINK/USD']);
    expect(server.calls[8]!.at - T0).toBe(61_000); // 60 s window + 1 s safety margin
  });

  it('gives a cached caller stale data instead of waiting past the deadline; the refresh still lands', async () => {
    const { service, limiter } = rig({ maxWaitMs: 2_000 });
    await drive(limiter, service.getCandles({ symbol: 'BTC', interval: '1m', limit: 10 }));
    vi.setSystemTime(T0 + 61_000); // BTC's 1m bar closed: its series is no longer fresh
    const others = ['ETH', 'SOL', 'BNB', 'XRP', 'DOGE', 'ADA', 'AVAX', 'LINK'].map((s) =>
      service.getCandles({ symbol: s, interval: '1m', limit: 10 }),
    );
    await drive(limiter, Promise.all(others)); // 8 calls at T0+61 s: the window is full for 60 s
    expect(server.callCount()).toBe(9);

    const askedAt = Date.now();
    const stale = await drive(limiter, service.getCandles({ symbol: 'BTC', interval: '1m', limit: 10 }));
    expect(stale).toMatchObject({ stale: true, staleReason: 'deadline' });
    expect(stale.candles).toHaveLength(10);
    expect(Date.now() - askedAt).toBeLessThanOrEqual(2_000);
    expect(server.callCount()).toBe(9);

    // The refresh the caller gave up on stays queued, runs when the window frees, and fills the cache.
    await drive(limiter, limiter.onIdle());
    expect(server.callCount()).toBe(10);
    expect(server.calls[9]!.at).toBe(T0 + 122_000);
    const fresh = await service.getCandles({ symbol: 'BTC', interval: '1m', limit: 10 });
    expect(fresh.stale).toBe(false);
    expect(server.callCount()).toBe(10);
  });

  it('retries after an upstream minute 429 at the next minute boundary', async () => {
    const { service, limiter } = rig();
    server.failNext(1, 'minute', 200);
    const result = await drive(limiter, service.getCandles({ symbol: 'BTC', interval: '5m', limit: 10 }));
    expect(result.candles).toHaveLength(10);
    expect(server.calls.map((c) => [c.at, c.errorCode])).toEqual([
      [T0, 429],
      [Date.UTC(2026, 2, 10, 10, 6), undefined],
    ]);
  });

  it('rejects unknown and unsupported symbols before any upstream call', async () => {
    const { service } = rig();
    await expect(service.getCandles({ symbol: 'NOTACOIN', interval: '1h', limit: 5 })).rejects.toBeInstanceOf(UnknownSymbolError);
    await expect(service.getCandles({ symbol: 'HSKUSDT', interval: '1h', limit: 5 })).rejects.toBeInstanceOf(UnsupportedSymbolError);
    expect(server.callCount()).toBe(0);
  });

  it('prices come from a fresh candle fetch when recent, else from /price', async () => {
    const { service, limiter } = rig();
    await drive(limiter, service.getCandles({ symbol: 'BTC', interval: '1m', limit: 5 }));
    const fromCandles = await service.getPrice('BTCUSDT');
    expect(fromCandles.stale).toBe(false);
    expect(server.callCount('/price')).toBe(0);
    vi.setSystemTime(T0 + 5 * 60_000);
    const quote = await drive(limiter, service.getPrice('BTC/USD'));
    expect(server.callCount('/price')).toBe(1);
    expect(quote).toMatchObject({ source: 'twelvedata', simulated: false, stale: false, at: T0 + 5 * 60_000 });
    expect(quote.price).toBeGreaterThan(60_000);
  });

  it('a caller that needs a younger price (a live order) gets the cached one refreshed', async () => {
    const { service, limiter } = rig();
    await drive(limiter, service.getPrice('BTCUSDT'));
    vi.setSystemTime(T0 + 45_000);
    // 45 s old: within the 60 s TTL for everyone else ...
    expect(await service.getPrice('BTCUSDT')).toMatchObject({ at: T0, stale: false });
    expect(server.callCount('/price')).toBe(1);
    // ... but not for a caller that accepts 30 s at most.
    const young = await drive(limiter, service.getPrice('BTCUSDT', 'position', { maxAgeMs: 30_000 }));
    expect(young).toMatchObject({ at: T0 + 45_000, stale: false });
    expect(server.callCount('/price')).toBe(2);
  });
});

describe('candle service over the simulated provider', () => {
  it('labels results simulated and needs no limiter', async () => {
    const store = createMemoryCandleStore();
    const service = createCandleService({
      provider: createSimulatedProvider({ now: () => Date.now(), seed: 1 }),
      store,
      now: () => Date.now(),
    });
    const result = await service.getCandles({ symbol: 'SOL', interval: '5m', limit: 20 });
    expect(result).toMatchObject({ source: 'simulated', simulated: true, stale: false });
    expect(result.candles).toHaveLength(20);
    const again = await service.getCandles({ symbol: 'SOL', interval: '5m', limit: 20 });
    expect(again.candles).toEqual(result.candles);
    expect((await service.getPrice('SOL')).simulated).toBe(true);
  });

  it('serves every interval and the price from one path, through the cache, as the clock moves', async () => {
    const store = createMemoryCandleStore();
    const now = () => Date.now();
    const service = createCandleService({ provider: createSimulatedProvider({ now, seed: 3 }), store, now });
    const lastClose = async (interval: Interval) =>
      (await service.getCandles({ symbol: 'BTCUSDT', interval, limit: 50 })).candles.at(-1)!.close;

    // 00:00:20 UTC: the last closed bar of every interval, 1m to 1d, closed at midnight.
    vi.setSystemTime(Date.UTC(2026, 2, 11, 0, 0, 20));
    const price = (await service.getPrice('BTCUSDT')).price;
    for (const interval of INTERVALS) expect({ interval, close: await lastClose(interval) }).toEqual({ interval, close: price });

    // A minute later the price is the next 1-minute close; the cached 15m series still ends at midnight's.
    vi.setSystemTime(Date.UTC(2026, 2, 11, 0, 1, 21));
    const minute = await service.getCandles({ symbol: 'BTCUSDT', interval: '1m', limit: 2 });
    expect(minute.candles.map((c) => c.close)).toEqual([price, (await service.getPrice('BTCUSDT')).price]);
    const quarter = await service.getCandles({ symbol: 'BTCUSDT', interval: '15m', limit: 50 });
    expect(quarter).toMatchObject({ cached: true, stale: false });
    expect(quarter.candles.at(-1)!.close).toBe(price);
  });
});
