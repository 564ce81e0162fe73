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

/** What the cache did since the service was built (metrics). */
export interface CandleServiceStats {
  /** Candle requests served fresh from the store, without an upstream call. */
  hits: number;
  /** Candle requests that needed a refresh (served fresh, or stale when it could not be made). */
  misses: number;
  /** Calls that reached the provider (candles and prices; coalesced callers count once). */
  upstreamCalls: number;
}

export interface CandleService {
  readonly provider: MarketDataProvider;
  stats(): CandleServiceStats;
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

/** The service's settings and what it remembers between calls (per process, lost on restart). */
interface CandleServiceState {
  readonly provider: MarketDataProvider;
  readonly limiter: CandleLimiter;
  readonly store: CandleStore;
  /** Clock in ms. */
  readonly now: () => number;
  /** How long a caller WITH cached bars waits for a refresh (ms). */
  readonly maxWaitMs: number;
  /** Bars fetched per upstream call. */
  readonly fetchSize: number;
  readonly maxLimit: number;
  /** A price observed less than this long ago (ms) is served without an upstream call. */
  readonly priceTtlMs: number;
  readonly symbolOptions: ParseSymbolOptions | undefined;
  /** The last upstream fetch per series key (`symbolId|interval`). */
  readonly lastFetch: Map<string, FetchRecord>;
  /** The last price seen per symbol id (quote currency, observed at `at` ms). */
  readonly lastPrice: Map<string, { price: number; at: number }>;
  /** Cache hits and misses of `getCandles`. */
  readonly counts: { hits: number; misses: number };
}

export function createCandleService(options: CandleServiceOptions): CandleService {
  const { provider, store, now } = options;
  const state: CandleServiceState = {
    provider,
    limiter: options.limiter ?? createCandleLimiter({ intervalCap: Infinity, dailyCredits: Infinity, concurrency: 8, now }),
    store,
    now,
    maxWaitMs: options.maxWaitMs ?? 5_000,
    fetchSize: options.fetchSize ?? 300,
    maxLimit: options.maxLimit ?? 5_000,
    priceTtlMs: options.priceTtlMs ?? 60_000,
    symbolOptions: options.symbolOptions,
    lastFetch: new Map(),
    lastPrice: new Map(),
    counts: { hits: 0, misses: 0 },
  };
  return {
    provider,
    stats: () => ({ ...state.counts, upstreamCalls: state.limiter.stats().upstreamCalls }),
    getCandles: (request) => getCandles(state, request),
    getPrice: (input, priority = 'normal', options = {}) => getPrice(state, input, priority, options),
  };
}

async function resolveSymbol(state: CandleServiceState, input: string | MarketSymbol): Promise<MarketSymbol> {
  const { provider } = state;
  const symbol = toMarketSymbol(input, state.symbolOptions);
  if (!(await provider.supports(symbol))) throw new UnsupportedSymbolError(symbol.id, provider.name);
  return symbol;
}

function isFresh(state: CandleServiceState, seriesKey: string, cached: Candle[], limit: number, interval: Interval): boolean {
  const t = state.now();
  const record = state.lastFetch.get(seriesKey);
  if (record) {
    return isFreshSinceFetch(record.at, t, interval) && (record.requested >= limit || record.exhausted) && cached.length > 0;
  }
  return cached.length >= limit && isFreshByLatestBar(cached.at(-1), t, interval) && isContiguous(cached, interval);
}

function candleResult(
  provider: MarketDataProvider,
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

async function getCandles(state: CandleServiceState, request: CandleRequest): Promise<CandleResult> {
  const { provider } = state;
  const symbol = await resolveSymbol(state, request.symbol);
  const { interval } = request;
  const limit = Math.min(Math.max(Math.floor(request.limit) || 1, 1), state.maxLimit);
  const seriesKey = `${symbol.id}|${interval}`;
  const cached = await state.store.getLatest(symbol.id, interval, limit);
  if (isFresh(state, seriesKey, cached, limit, interval)) {
    state.counts.hits++;
    return candleResult(provider, symbol, interval, cached, true, undefined);
  }
  state.counts.misses++;

  const size = Math.max(state.fetchSize, limit);
  const call = {
    key: `candles:${seriesKey}:${size}`,
    priority: CANDLE_PRIORITY[request.priority ?? 'normal'],
    // With nothing cached there is nothing to fall back to: wait for the refresh.
    ...(cached.length > 0 ? { maxWaitMs: state.maxWaitMs } : {}),
  };
  try {
    const fetched = await state.limiter.run(call, () => fetchCandles(state, seriesKey, symbol, interval, size));
    return candleResult(provider, symbol, interval, fetched.slice(-limit), false, undefined);
  } catch (error) {
    if (cached.length > 0) return candleResult(provider, symbol, interval, cached, true, staleReasonOf(error));
    throw new CandlesUnavailableError(symbol.id, interval, { cause: error });
  }
}

/** The upstream call behind a candle refresh: fetch `size` bars, store them, remember the fetch and the last close. */
async function fetchCandles(
  state: CandleServiceState,
  seriesKey: string,
  symbol: MarketSymbol,
  interval: Interval,
  size: number,
): Promise<Candle[]> {
  const startedAt = state.now();
  const candles = await state.provider.candles(symbol, interval, size);
  await state.store.upsert(symbol.id, interval, candles);
  state.lastFetch.set(seriesKey, { at: startedAt, requested: size, exhausted: candles.length < size });
  const last = candles.at(-1);
  if (last) state.lastPrice.set(symbol.id, { price: last.close, at: Math.min(startedAt, last.openTime + INTERVAL_MS[interval]) });
  return candles;
}

async function getPrice(
  state: CandleServiceState,
  input: string | MarketSymbol,
  priority: CandlePriority,
  options: { maxAgeMs?: number },
): Promise<PriceResult> {
  const { provider, lastPrice, now, maxWaitMs } = state;
  const symbol = await resolveSymbol(state, input);
  const known = lastPrice.get(symbol.id);
  const base = { symbol, source: provider.name, simulated: provider.simulated };
  const ttl = Math.min(state.priceTtlMs, options.maxAgeMs ?? Infinity);
  if (known && now() - known.at < ttl) return { ...base, price: known.price, at: known.at, stale: false };
  try {
    const price = await state.limiter.run(
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
}
