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
  /** Last traded price in quote currency. */
  price(symbol: MarketSymbol): Promise<number>;
  /** Whether this provider serves the pair (no upstream call for the built-in providers). */
  supports(symbol: MarketSymbol): boolean | Promise<boolean>;
}

/** `fetch`-compatible function, injectable for tests. */
export type FetchFn = typeof fetch;
