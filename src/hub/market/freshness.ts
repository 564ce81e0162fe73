/**
 * When is a cached candle series fresh? While no new bar can have closed since the last fetch,
 * i.e. `now` is still in the same interval period (UTC-aligned) as the fetch. A flat TTL would
 * either waste credits (re-fetching a 4h series every minute) or serve closed bars late.
 */
import { INTERVAL_MS, type Candle, type Interval } from '../../shared/market.js';

/** Start (ms) of the interval period containing `ms`. */
export function periodStart(ms: number, interval: Interval): number {
  const len = INTERVAL_MS[interval];
  return Math.floor(ms / len) * len;
}

/** Fresh iff no bar boundary lies in (fetchedAtMs, nowMs]. */
export function isFreshSinceFetch(fetchedAtMs: number, nowMs: number, interval: Interval): boolean {
  return periodStart(fetchedAtMs, interval) === periodStart(nowMs, interval);
}

/**
 * Fallback when the fetch time is unknown (e.g. after a restart): a stored series whose newest bar
 * is the one still forming at `nowMs` was necessarily fetched during the current period.
 */
export function isFreshByLatestBar(latest: Candle | undefined, nowMs: number, interval: Interval): boolean {
  return latest !== undefined && latest.openTime === periodStart(nowMs, interval);
}

/** True when `candles` (oldest-first) are `count` consecutive bars without gaps. */
export function isContiguous(candles: readonly Candle[], interval: Interval): boolean {
  const len = INTERVAL_MS[interval];
  for (let i = 1; i < candles.length; i++) {
    if (candles[i]!.openTime - candles[i - 1]!.openTime !== len) return false;
  }
  return true;
}
