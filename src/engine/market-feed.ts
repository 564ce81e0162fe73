/**
 * The engine's view of the market, pulled from the hub: candles (refreshed at most every
 * `candleRefreshMs`), the current price (`/internal/market/price`, or the last candle's close
 * when the hub answers but that endpoint fails; none while the hub does not answer at all), and
 * the stale/simulated flags. Problems are logged once per episode (when they start and when
 * they end), never once per tick.
 */
import type { Candle } from '../shared/market.js';
import { createCandleWindow } from './candle-window.js';
import type { PriceResponse } from '../shared/wire.js';
import { AgentStoppingError, HubRequestError, errorMessage, type EngineHub, type EngineLog } from './ports.js';
import type { Clock } from '../shared/clock.js';
import { createEpisodes } from './episodes.js';

export interface MarketFeed {
  /** Latest candles, oldest first; empty until the first successful fetch. */
  readonly candles: readonly Candle[];
  /** True while the hub flags the candles or the price as stale. */
  readonly stale: boolean;
  /** True when the hub says the data is simulated. */
  readonly simulated: boolean;
  /** Brings the window of `limit` candles up to date when the last fetch is older than `candleRefreshMs` (or `force`). */
  refreshCandles(limit: number, force: boolean, signal?: AbortSignal): Promise<void>;
  /**
   * True when the last price was observed (market time, the hub's `at`) after the bar following
   * the newest candle closed: a new bar is there to fetch, whatever `candleRefreshMs` says.
   */
  newBarDue(): boolean;
  /** The current price, or null when the hub does not answer or neither the price endpoint nor a candle gives one. */
  price(signal?: AbortSignal): Promise<number | null>;
}

export interface MarketFeedDeps {
  hub: Pick<EngineHub, 'candles' | 'price'>;
  symbol: string;
  interval: string;
  clock: Clock;
  log: EngineLog;
  /** Minimum time between candle fetches, ms. */
  candleRefreshMs: number;
  /** True while the agent holds a position: its market data is fetched with priority. */
  inPosition?: () => boolean;
}

/** The price of a hub answer; throws unless it is a finite positive number. */
function positivePrice(res: PriceResponse): number {
  if (typeof res?.price !== 'number' || !Number.isFinite(res.price) || res.price <= 0) {
    throw new Error(`price response without a positive price`);
  }
  return res.price;
}

/** A position's market data is served first (the hub's priority for agents holding one). */
function priorityOf(deps: MarketFeedDeps): 'position' | undefined {
  return deps.inPosition?.() ? 'position' : undefined;
}

/** The lines that end an episode, made once: the exits are checked every tick. */
function episodeEnds(log: EngineLog) {
  return {
    fresh: () => log.info('market data fresh again'),
    candles: () => log.info('candles available again'),
    hub: () => log.info('hub answers again'),
    price: () => log.info('price endpoint available again'),
  };
}

export function createMarketFeed(deps: MarketFeedDeps): MarketFeed {
  const { hub, symbol, interval, clock, log } = deps;
  const episodes = createEpisodes();
  const window = createCandleWindow(interval);
  let lastFetchAt: number | null = null;
  let priceAt: number | null = null; // market time of the last price (the hub's `at`), ms
  let staleCandles = false;
  let stalePrice = false;
  let simulated = false;
  let source = 'hub';

  const back = episodeEnds(log);
  function updateStale(): void {
    if (staleCandles || stalePrice) {
      episodes.enter('stale', () => log.warn(`market data stale (source ${source}): no new entries until it is fresh`));
    } else {
      episodes.exit('stale', back.fresh);
    }
  }

  return {
    get candles() {
      return window.candles;
    },
    get stale() {
      return staleCandles || stalePrice;
    },
    get simulated() {
      return simulated;
    },

    async refreshCandles(limit, force, signal) {
      const now = clock.now();
      if (!force && lastFetchAt !== null && now - lastFetchAt < deps.candleRefreshMs) return;
      lastFetchAt = now;
      try {
        const res = await window.update((n) => hub.candles(symbol, interval, n, signal, priorityOf(deps)), limit, now);
        staleCandles = res.stale === true;
        simulated = res.simulated === true;
        if (typeof res.source === 'string') source = res.source;
        episodes.exit('candles', back.candles);
        updateStale();
      } catch (err) {
        if (err instanceof AgentStoppingError) throw err;
        episodes.enter('candles', () => log.warn(`candles unavailable (${errorMessage(err)}); retrying each refresh`));
      }
    },

    newBarDue: () => window.newBarDue(priceAt),

    async price(signal) {
      try {
        const res = await hub.price(symbol, signal, priorityOf(deps));
        const price = positivePrice(res);
        priceAt = typeof res.at === 'number' ? res.at : null;
        stalePrice = res.stale === true;
        if (res.simulated === true) simulated = true;
        if (typeof res.source === 'string') source = res.source;
        episodes.exit('hub', back.hub);
        episodes.exit('price', back.price);
        episodes.exit('no-price');
        updateStale();
        return price;
      } catch (err) {
        if (err instanceof AgentStoppingError) throw err;
        if (err instanceof HubRequestError && err.status === null) {
          // No answer at all (hub restarting, killed, unreachable): there is no market price,
          // and an old candle close is not one. Orders could not reach the hub either, so no
          // decision is taken on it (a stop-loss or drawdown stop on a stale number would be
          // executed later at whatever the price is then).
          episodes.enter('hub', () => log.warn(`hub unreachable (${errorMessage(err)}): no price, no decisions until it answers`));
          return null;
        }
        stalePrice = false;
        const last = window.candles[window.candles.length - 1];
        episodes.enter('price', () =>
          log.warn(`price endpoint unavailable (${errorMessage(err)}); ${last ? 'using the last candle close' : 'no candles either'}`),
        );
        updateStale();
        if (last) {
          episodes.exit('no-price');
          return last.close;
        }
        episodes.enter('no-price', () => log.error('no price available: skipping ticks until the hub answers'));
        return null;
      }
    },
  };
}
