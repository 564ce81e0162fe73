/**
 * The hub's candle cache: agents ask here (never the upstream) for candles and prices.
 *
 * getCandles: read the newest `limit` bars from the `CandleStore`; if the series is fresh (no bar
 * can have closed since the last fetch, see `freshness.ts`) and long enough, serve it. Otherwise
 * refresh through the limiter (coalesced per symbol+interval, one credit per call, fetching
 * `fetchSize` bars at a time since the credit cost is the same), upsert one row per candle, and
 * serve the result. If the refresh cannot finish in time (`maxWaitMs`), the budget is spent, or the
 * upstream fails, a caller with cached bars gets them with `stale: true`; a caller with nothing
 * cached waits for the refresh (no deadline) or gets `CandlesUnavailableError`.
 * A refresh the caller gave up on stays queued and still fills the cache.
 */
import type { Candle, Interval } from '../../shared/market.js';
import { INTERVAL_MS } from '../../shared/market.js';
import { createCandleLimiter, type CandleLimiter } from './candle-limiter.js';
import type { CandleStore } from './candle-store.js';
import { BudgetExhaustedError, CandlesUnavailableError, QueueDeadlineError, UnsupportedSymbolError } from './errors.js';
import { isContiguous, isFreshByLatestBar, isFreshSinceFetch } from './freshness.js';
import type { MarketDataProvider, ProviderName } from './provider.js';
import { toMarketSymbol, type MarketSymbol, type ParseSymbolOptions } from './symbols.js';

/** Who asks: agents holding an open position are served first. */
export type CandlePriority = 'position' | 'normal' | 'background';

/** p-queue priorities (higher starts first). */
export const CANDLE_PRIORITY: Record<CandlePriority, number> = { position: 2, normal: 1, background: 0 };

export interface CandleRequest {
  /** Any accepted spelling (`BTCUSDT`, `BTC/USD`, …) or a parsed symbol. */
  symbol: string | MarketSymbol;
  interval: Interval;
  /** Number of most recent bars wanted; clamped to [1, maxLimit]. */
  limit: number;
  /** Default `'normal'`. */
  priority?: CandlePriority;
}

/** Why stale data was served. */
export type StaleReason = 'budget' | 'deadline' | 'upstream';

export interface CandleResult {
  symbol: MarketSymbol;
  interval: Interval;
  /** Oldest-first; the last one may still be forming. */
  candles: Candle[];
  /** True when served from the store without waiting for an upstream call (fresh hit or stale). */
  cached: boolean;
  /** True when served from cache because a refresh was not possible in time. */
  stale: boolean;
  staleReason?: StaleReason;
  source: ProviderName;
  /** Synthetic data: must be labelled as such to the user. */
  simulated: boolean;
}

export interface PriceResult {
  symbol: MarketSymbol;
  /** Quote currency (USDT). */
  price: number;
  /** When the price was observed (ms). */
  at: number;
  stale: boolean;
  staleReason?: StaleReason;
  source: ProviderName;
  simulated: boolean;
}

export interface CandleServiceOptions {
  provider: MarketDataProvider;
  /** Gate for upstream calls; default: coalescing only, no rate limit or budget (keyless providers). */
  limiter?: CandleLimiter;
  store: CandleStore;
  /** Clock in ms. */
  now: () => number;
  /** How long a caller WITH cached bars waits for a refresh before getting stale bars (ms, default 5 000). */
  maxWaitMs?: number;
  /** Bars fetched per upstream call (default 300; Twelve Data charges per call, not per bar). */
  fetchSize?: number;
  /** Largest `limit` accepted (default 5 000). */
  maxLimit?: number;
  /** A price observed less than this long ago (ms) is served without an upstream call (default 60 000). */
  priceTtlMs?: number;
  symbolOptions?: ParseSymbolOptions;
}

export interface CandleService {
  readonly provider: MarketDataProvider;
  getCandles(request: CandleRequest): Promise<CandleResult>;
  /**
   * The last price; a cached one younger than `priceTtlMs` (and than `maxAgeMs` when given) is
   * served without an upstream call. `stale` when a refresh failed and the cached one was served.
   */
  getPrice(symbol: string | MarketSymbol, priority?: CandlePriority, options?: { maxAgeMs?: number }): Promise<PriceResult>;
}

interface FetchRecord {
  at: number;
  /** Bars requested by that fetch. */
  requested: number;
  /** True when the upstream returned fewer bars than requested (history exhausted). */
  exhausted: boolean;
}

function staleReasonOf(error: unknown): StaleReason {
  if (error instanceof BudgetExhaustedError) return 'budget';
  if (error instanceof QueueDeadlineError) return 'deadline';
  return 'upstream';
}

export function createCandleService(options: CandleServiceOptions): CandleService {
  const { provider, store, now } = options;
  const limiter = options.limiter ?? createCandleLimiter({ intervalCap: Infinity, dailyCredits: Infinity, concurrency: 8, now });
  const maxWaitMs = options.maxWaitMs ?? 5_000;
  const fetchSize = options.fetchSize ?? 300;
  const maxLimit = options.maxLimit ?? 5_000;
  const priceTtlMs = options.priceTtlMs ?? 60_000;
  const lastFetch = new Map<string, FetchRecord>();
  const lastPrice = new Map<string, { price: number; at: number }>();

  async function resolveSymbol(input: string | MarketSymbol): Promise<MarketSymbol> {
    const symbol = toMarketSymbol(input, options.symbolOptions);
    if (!(await provider.supports(symbol))) throw new UnsupportedSymbolError(symbol.id, provider.name);
    return symbol;
  }

  function isFresh(seriesKey: string, cached: Candle[], limit: number, interval: Interval): boolean {
    const t = now();
    const record = lastFetch.get(seriesKey);
    if (record) {
      return isFreshSinceFetch(record.at, t, interval) && (record.requested >= limit || record.exhausted) && cached.length > 0;
    }
    return cached.length >= limit && isFreshByLatestBar(cached.at(-1), t, interval) && isContiguous(cached, interval);
  }

  function result(
    symbol: MarketSymbol,
    interval: Interval,
    candles: Candle[],
    cached: boolean,
    stale: StaleReason | undefined,
  ): CandleResult {
    return {
      symbol,
      interval,
      candles,
      cached,
      stale: stale !== undefined,
      ...(stale ? { staleReason: stale } : {}),
      source: provider.name,
      simulated: provider.simulated,
    };
  }

  return {
    provider,

    async getCandles(request) {
      const symbol = await resolveSymbol(request.symbol);
      const { interval } = request;
      const limit = Math.min(Math.max(Math.floor(request.limit) || 1, 1), maxLimit);
      const seriesKey = `${symbol.id}|${interval}`;
      const cached = await store.getLatest(symbol.id, interval, limit);
      if (isFresh(seriesKey, cached, limit, interval)) return result(symbol, interval, cached, true, undefined);

      const size = Math.max(fetchSize, limit);
      const call = {
        key: `candles:${seriesKey}:${size}`,
        priority: CANDLE_PRIORITY[request.priority ?? 'normal'],
        // With nothing cached there is nothing to fall back to: wait for the refresh.
        ...(cached.length > 0 ? { maxWaitMs } : {}),
      };
      try {
        const fetched = await limiter.run(call, async () => {
          const startedAt = now();
          const candles = await provider.candles(symbol, interval, size);
          await store.upsert(symbol.id, interval, candles);
          lastFetch.set(seriesKey, { at: startedAt, requested: size, exhausted: candles.length < size });
          const last = candles.at(-1);
          if (last) lastPrice.set(symbol.id, { price: last.close, at: Math.min(startedAt, last.openTime + INTERVAL_MS[interval]) });
          return candles;
        });
        return result(symbol, interval, fetched.slice(-limit), false, undefined);
      } catch (error) {
        if (cached.length > 0) return result(symbol, interval, cached, true, staleReasonOf(error));
        throw new CandlesUnavailableError(symbol.id, interval, { cause: error });
      }
    },

    async getPrice(input, priority = 'normal', options = {}) {
      const symbol = await resolveSymbol(input);
      const known = lastPrice.get(symbol.id);
      const base = { symbol, source: provider.name, simulated: provider.simulated };
      const ttl = Math.min(priceTtlMs, options.maxAgeMs ?? Infinity);
      if (known && now() - known.at < ttl) return { ...base, price: known.price, at: known.at, stale: false };
      try {
        const price = await limiter.run(
          { key: `price:${symbol.id}`, priority: CANDLE_PRIORITY[priority], ...(known ? { maxWaitMs } : {}) },
          async () => {
            const at = now();
            const value = await provider.price(symbol);
            lastPrice.set(symbol.id, { price: value, at });
            return { price: value, at };
          },
        );
        return { ...base, ...price, stale: false };
      } catch (error) {
        if (known) return { ...base, price: known.price, at: known.at, stale: true, staleReason: staleReasonOf(error) };
        throw error;
      }
    },
  };
}
