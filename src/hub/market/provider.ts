/**
 * The one interface every market-data source implements (Twelve Data, HashKey public, simulated).
 * Contract for all implementations:
 * - candles come back oldest-first, `openTime` in UTC ms aligned to the interval; the last one may be
 *   the bar still forming (its `openTime + INTERVAL_MS[interval] > now`);
 * - prices are in quote currency (USDT);
 * - failures are the typed errors of `errors.ts`.
 */
import type { Candle, Interval } from '../../shared/market.js';
import type { MarketSymbol } from './symbols.js';

export type ProviderName = 'twelvedata' | 'hashkey' | 'simulated';

export interface MarketDataProvider {
  readonly name: ProviderName;
  /** True when the data is synthetic; must be shown to the user as such. */
  readonly simulated: boolean;
  /** Up to `limit` most recent candles, oldest-first. */
  candles(symbol: MarketSymbol, interval: Interval, limit: number): Promise<Candle[]>;
  /** Most bars one `candlesBetween` call may cover: one upstream request (`Infinity` when nothing is fetched). */
  readonly pageBars: number;
  /**
   * History for backtests: the bars with `fromMs <= openTime <= toMs` (UTC ms), oldest-first, in one
   * upstream request; the range must hold at most `pageBars` bars. Bars the provider does not have
   * (before the listing, a pause in trading) are absent: an empty answer is not an error. The caller
   * asks only for closed bars; a provider may still return the bar forming at `toMs`.
   */
  candlesBetween(symbol: MarketSymbol, interval: Interval, fromMs: number, toMs: number): Promise<Candle[]>;
  /** Last traded price in quote currency. */
  price(symbol: MarketSymbol): Promise<number>;
  /** Whether this provider serves the pair (no upstream call for the built-in providers). */
  supports(symbol: MarketSymbol): boolean | Promise<boolean>;
}

/** `fetch`-compatible function, injectable for tests. */
export type FetchFn = typeof fetch;
