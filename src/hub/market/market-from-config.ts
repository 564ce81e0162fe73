/**
 * Composition of the market-data layer from configuration: which provider, which limiter, which
 * stores. The only place that reads `MARKET_DATA`.
 *
 * - `auto`: Twelve Data when `TWELVE_DATA_API_KEY` is set, else HashKey public klines (keyless).
 * - `twelvedata`: requires the key (`ConfigError` otherwise). Every call goes through the credit
 *   limiter: `TWELVE_DATA_PER_MINUTE` calls per 60 s window and `TWELVE_DATA_DAILY_CREDITS` per UTC
 *   day, the daily counter persisted in PostgreSQL (`api_credits`, provider `twelvedata`) so a
 *   restart does not reset the budget.
 * - `hashkey`: keyless public endpoints (weight 1 per call, IP-limited, limit not published), so a
 *   GENTLE limiter: `HASHKEY_CALLS_PER_MINUTE` per 60 s, no daily budget, nothing persisted. It only
 *   protects the hub's IP from a burst (e.g. every series refreshing at a bar close); the candle
 *   cache keeps real traffic far below it. Host: `HASHKEY_BASE_URL`, else the sandbox host when
 *   `HASHKEY_SANDBOX` (so prices match the venue orders go to), else production.
 * - `simulated`: seeded random walk (`SIMULATED_SEED`), no limiter, always labelled simulated.
 *
 * The candle cache is always the PostgreSQL store, its rows tagged with the provider's name.
 */
import { ConfigError, type Config } from '../../config.js';
import type { Orm } from '../../db/orm.js';
import { HASHKEY_SANDBOX_URL } from '../exchange/hashkey/client.js';
import { createCandleLimiter, type CandleLimiter } from './candle-limiter.js';
import { createCandleService, type CandleService } from './candle-service.js';
import { createHashKeyPublicProvider } from './hashkey-public.js';
import type { CandleStore } from './candle-store.js';
import { createPgCandleStore } from './pg-candle-store.js';
import { createPgCreditStore } from './pg-credit-store.js';
import type { FetchFn, MarketDataProvider, ProviderName } from './provider.js';
import { createSimulatedProvider } from './simulated.js';
import { createTwelveDataProvider } from './twelve-data.js';

/** Upper bound on HashKey public calls per 60 s window (keyless, IP-limited). */
export const HASHKEY_CALLS_PER_MINUTE = 120;

export interface MarketDeps {
  orm: Orm;
  /** Clock in ms (default `Date.now`): freshness, the UTC day of the budget, `fetched_at`. */
  now?: () => number;
  /** `fetch` for the HTTP providers (tests point it anywhere; default global `fetch`). */
  fetch?: FetchFn;
}

export interface Market {
  service: CandleService;
  /** The provider actually chosen (after resolving `auto`). */
  provider: ProviderName;
  /** True for the simulated provider: everything shown to users must say so. */
  simulated: boolean;
  /** The upstream gate, when there is one (Twelve Data, HashKey); for stats, health and backtest history. */
  limiter?: CandleLimiter;
  /** The candle cache the service reads and writes; backtest history shares it (one writer per process). */
  store: CandleStore;
}

/** The provider `MARKET_DATA` resolves to (`auto` → Twelve Data with a key, else HashKey). */
export function resolveMarketSource(market: Pick<Config['market'], 'source' | 'twelveDataApiKey'>): ProviderName {
  if (market.source === 'auto') return market.twelveDataApiKey ? 'twelvedata' : 'hashkey';
  return market.source;
}

export function createMarketFromConfig(config: Pick<Config, 'market' | 'hashkey'>, deps: MarketDeps): Market {
  const now = deps.now ?? Date.now;
  const fetchOption = deps.fetch ? { fetch: deps.fetch } : {};
  const name = resolveMarketSource(config.market);

  let provider: MarketDataProvider;
  let limiter: CandleLimiter | undefined;
  switch (name) {
    case 'twelvedata': {
      const apiKey = config.market.twelveDataApiKey;
      if (!apiKey) {
        throw new ConfigError(['MARKET_DATA=twelvedata requires TWELVE_DATA_API_KEY (or use MARKET_DATA=auto|hashkey|simulated)']);
      }
      provider = createTwelveDataProvider({ apiKey, baseUrl: config.market.twelveDataBaseUrl, ...fetchOption });
      limiter = createCandleLimiter({
        creditStore: createPgCreditStore(deps.orm, 'twelvedata'),
        intervalCap: config.market.twelveDataPerMinute,
        intervalMs: 60_000,
        dailyCredits: config.market.twelveDataDailyCredits,
        now,
      });
      break;
    }
    case 'hashkey': {
      const baseUrl = config.hashkey.baseUrl ?? (config.hashkey.sandbox ? HASHKEY_SANDBOX_URL : undefined);
      provider = createHashKeyPublicProvider({ ...(baseUrl ? { baseUrl } : {}), ...fetchOption });
      limiter = createCandleLimiter({
        intervalCap: HASHKEY_CALLS_PER_MINUTE,
        intervalMs: 60_000,
        safetyMarginMs: 0,
        dailyCredits: Infinity,
        concurrency: 8,
        now,
      });
      break;
    }
    case 'simulated':
      provider = createSimulatedProvider({ now, seed: config.market.simulatedSeed });
      limiter = undefined;
      break;
  }

  const store = createPgCandleStore(deps.orm, { source: provider.name, now });
  const service = createCandleService({ provider, store, now, ...(limiter ? { limiter } : {}) });
  return { service, provider: provider.name, simulated: provider.simulated, store, ...(limiter ? { limiter } : {}) };
}
