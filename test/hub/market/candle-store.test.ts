import { describe, expect, it } from 'vitest';
import { createMemoryCandleStore } from '../../../src/hub/market/candle-store.js';
import { checkClosedRange } from './closed-range-contract.js';
import { isContiguous, isFreshByLatestBar, isFreshSinceFetch, periodStart } from '../../../src/hub/market/freshness.js';

const bar = (openTime: number, close = 1) => ({ openTime, open: 1, high: 2, low: 0.5, close, volume: 3 });

describe('memory candle store', () => {
  it('upserts one row per candle and reads ranges and latest bars oldest-first', async () => {
    const store = createMemoryCandleStore();
    await store.upsert('BTCUSDT', '1m', [bar(180_000), bar(60_000), bar(120_000)]);
    await store.upsert('BTCUSDT', '1m', [bar(180_000, 9), bar(240_000)]);
    await store.upsert('BTCUSDT', '5m', [bar(0)]);
    expect(store.size()).toBe(5);
    expect((await store.getRange('BTCUSDT', '1m', 100_000, 2)).map((c) => c.openTime)).toEqual([120_000, 180_000]);
    const latest = await store.getLatest('BTCUSDT', '1m', 2);
    expect(latest.map((c) => [c.openTime, c.close])).toEqual([
      [180_000, 9],
      [240_000, 1],
    ]);
    expect(await store.getLatest('ETHUSDT', '1m', 2)).toEqual([]);
  });

  it('reads closed ranges: only bars written after they closed', async () => {
    let now = 0;
    const store = createMemoryCandleStore({ now: () => now });
    await checkClosedRange((at) => {
      now = at;
      return store;
    }, 'BTCUSDT');
  });
});

describe('freshness rule', () => {
  const H = 3_600_000;
  it('a series is fresh until the next bar boundary after the fetch, not for a flat TTL', () => {
    const fetchedAt = 10 * H + 5 * 60_000; // 10:05
    expect(isFreshSinceFetch(fetchedAt, 10 * H + 59 * 60_000, '1h')).toBe(true); // 10:59, same bar
    expect(isFreshSinceFetch(fetchedAt, 11 * H, '1h')).toBe(false); // 11:00, the 10:00 bar closed
    expect(isFreshSinceFetch(fetchedAt, fetchedAt + 61_000, '1m')).toBe(false);
    expect(isFreshSinceFetch(fetchedAt, 12 * H - 1, '4h')).toBe(true); // 4h bar 08:00–12:00
    expect(isFreshSinceFetch(fetchedAt, 12 * H, '4h')).toBe(false);
    expect(periodStart(10 * H + 1, '1h')).toBe(10 * H);
  });

  it('after a restart, a stored forming bar proves a fetch in the current period', () => {
    expect(isFreshByLatestBar(bar(10 * H), 10 * H + 30 * 60_000, '1h')).toBe(true);
    expect(isFreshByLatestBar(bar(9 * H), 10 * H + 30 * 60_000, '1h')).toBe(false);
    expect(isFreshByLatestBar(undefined, 0, '1h')).toBe(false);
    expect(isContiguous([bar(0), bar(H), bar(2 * H)], '1h')).toBe(true);
    expect(isContiguous([bar(0), bar(2 * H)], '1h')).toBe(false);
  });
});
