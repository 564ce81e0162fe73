/**
 * The `CandleStore.getClosedRange` contract, run against every store (memory and PostgreSQL):
 * bars in an inclusive open-time range, oldest-first, only the ones written after their bar closed.
 */
import { expect } from 'vitest';
import type { CandleStore } from '../../../src/hub/market/candle-store.js';

const STEP = 900_000; // 15m
const T0 = Date.UTC(2026, 0, 5);
const bar = (i: number, close = i) => ({ openTime: T0 + i * STEP, open: 1, high: 2, low: 0.5, close, volume: 3 });
const times = (bars: Array<{ openTime: number }>) => bars.map((c) => (c.openTime - T0) / STEP);

/** `storeAt(nowMs)`: a store writing `fetched_at = nowMs`, over the same rows as every other store it returns. */
export async function checkClosedRange(storeAt: (nowMs: number) => CandleStore, symbol: string): Promise<void> {
  // Written at bar 3's open + 5 min: bars 0–2 had closed, bar 3 was forming.
  await storeAt(T0 + 3 * STEP + 300_000).upsert(symbol, '15m', [bar(0), bar(1), bar(2), bar(3, 99)]);
  const later = storeAt(T0 + 10 * STEP);
  expect(times(await later.getClosedRange(symbol, '15m', T0, T0 + 9 * STEP))).toEqual([0, 1, 2]);
  // Bounds are inclusive; an empty or reversed range is empty; another interval is apart.
  expect(times(await later.getClosedRange(symbol, '15m', T0 + STEP, T0 + 2 * STEP))).toEqual([1, 2]);
  expect(await later.getClosedRange(symbol, '15m', T0 + 2 * STEP, T0 + STEP)).toEqual([]);
  expect(await later.getClosedRange(symbol, '1h', T0, T0 + 9 * STEP)).toEqual([]);
  // Bar 3 fetched again after it closed: final, with its final values.
  await later.upsert(symbol, '15m', [bar(3), bar(4)]);
  const closed = await later.getClosedRange(symbol, '15m', T0, T0 + 9 * STEP);
  expect(times(closed)).toEqual([0, 1, 2, 3, 4]);
  expect(closed[3]).toEqual(bar(3));
  // Written exactly at its close: final.
  await storeAt(T0 + 6 * STEP).upsert(symbol, '15m', [bar(5)]);
  expect(times(await later.getClosedRange(symbol, '15m', T0 + 5 * STEP, T0 + 5 * STEP))).toEqual([5]);
}
