/**
 * The engine's window of candles, kept up to date with few candles per fetch: after a full window,
 * a refresh asks only for the bars closed since the newest one (plus that one, to check the answer
 * continues it), appends them and drops the oldest; an answer that does not continue it (a gap),
 * a forced refresh or a new window size fetches the whole window again.
 */
import { INTERVAL_MS, isInterval, type Candle } from '../shared/market.js';
import type { CandlesResponse } from '../shared/wire.js';

export interface CandleWindow {
  /** Oldest first; updated in place between ticks. */
  readonly candles: readonly Candle[];
  /** Refreshes through `fetch(limit)`; returns the (last) answer, for its flags. */
  update(fetch: (limit: number) => Promise<CandlesResponse>, limit: number, now: number): Promise<CandlesResponse>;
  /** True when `priceAt` (market time, ms) is past the close of the bar after the newest candle. */
  newBarDue(priceAt: number | null): boolean;
}

export function createCandleWindow(interval: string): CandleWindow {
  const intervalMs = isInterval(interval) ? INTERVAL_MS[interval] : null;
  let candles: Candle[] = [];
  /** The `limit` of the last full fetch; a new one (the plan changed the window) fetches in full. */
  let lastLimit = -1;

  return {
    get candles() {
      return candles;
    },
    async update(fetch, limit, now) {
      const ask = limit !== lastLimit ? limit : newBarsToAsk(candles, intervalMs, now, limit);
      let res = await fetch(ask);
      if (ask < limit && appendNewer(candles, usableCandles(res), limit)) return res;
      if (ask < limit) res = await fetch(limit);
      candles = usableCandles(res);
      lastLimit = limit;
      return res;
    },
    newBarDue(priceAt) {
      const last = candles[candles.length - 1];
      return priceAt !== null && last !== undefined && intervalMs !== null && priceAt >= last.openTime + 2 * intervalMs;
    },
  };
}

/** The candles of a hub answer that can be traded on (finite, positive closes); throws when it has no candles array. */
function usableCandles(res: CandlesResponse): Candle[] {
  if (!Array.isArray(res?.candles)) throw new Error('candles response without a candles array');
  return res.candles.filter((c) => Number.isFinite(c.close) && c.close > 0);
}

/**
 * How many of the latest candles to ask for to bring `known` up to date at `now`: the bars closed
 * since its last one, plus that one (to check the answer continues it; a bar still forming at
 * `now` is not served). A full window when there is nothing to continue or the interval is unknown.
 */
function newBarsToAsk(known: readonly Candle[], intervalMs: number | null, now: number, limit: number): number {
  const last = known[known.length - 1];
  if (!last || intervalMs === null) return limit;
  return Math.min(limit, Math.max(2, Math.floor((now - last.openTime) / intervalMs)));
}

/**
 * Brings `known` (the feed's window, updated in place) up to date with `fresh`, the latest
 * candles: a candle with a known open time replaces it (a bar can be revised), newer ones are
 * appended, the oldest dropped beyond `limit`. False, and `known` untouched, when `fresh` does not
 * continue it (a gap: the caller then fetches the whole window).
 */
function appendNewer(known: Candle[], fresh: readonly Candle[], limit: number): boolean {
  const first = fresh[0];
  if (!first || known.length === 0) return false;
  let k = known.length - 1;
  while (k > 0 && known[k]!.openTime > first.openTime) k--;
  if (known[k]!.openTime !== first.openTime) return false;
  for (let j = 1; j < fresh.length; j++) {
    const at = k + j;
    const ok = at < known.length ? known[at]!.openTime === fresh[j]!.openTime : fresh[j]!.openTime > fresh[j - 1]!.openTime;
    if (!ok) return false;
  }
  for (const [j, c] of fresh.entries()) {
    if (k + j < known.length) known[k + j] = c;
    else known.push(c);
  }
  while (known.length > limit) known.shift();
  return true;
}
