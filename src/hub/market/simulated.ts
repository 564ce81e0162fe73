/**
 * Simulated market data for offline runs and tests: one seeded random path per symbol, served at
 * every interval (see `simulated-path.ts`: a bar of any interval is exactly the aggregate of the
 * 1-minute bars it covers), so the bars of all intervals and the price always agree.
 *
 * Deterministic: a bar depends only on (seed, symbol, interval, openTime), whatever the clock or
 * the order of requests. Bars are aligned to interval boundaries (UTC) from `SIMULATION_EPOCH_MS`.
 * Only CLOSED bars are returned (`openTime + interval <= now()`): the candle cache keeps a series
 * for its whole period, so a bar still forming would be served frozen while the price moves on.
 * The price is the close of the last closed 1-minute bar. Always labelled `simulated: true`.
 */
import { INTERVAL_MS, type Candle, type Interval } from '../../shared/market.js';
import type { MarketDataProvider } from './provider.js';
import { fnv1a } from './seeded-noise.js';
import { createPricePath, SIMULATION_EPOCH_MS, type PathProfile, type PricePath } from './simulated-path.js';
import { SUPPORTED_SYMBOL_IDS, type MarketSymbol } from './symbols.js';

export { SIMULATION_EPOCH_MS } from './simulated-path.js';

/** Mean price (USDT), annualised volatility (fraction) and mean 1-minute volume (base units) per asset. */
const PROFILES: Record<string, PathProfile> = {
  BTC: { price: 65_000, vol: 0.55, volume: 12 },
  ETH: { price: 3_200, vol: 0.7, volume: 150 },
  SOL: { price: 150, vol: 0.95, volume: 2_500 },
  BNB: { price: 580, vol: 0.6, volume: 400 },
  XRP: { price: 0.6, vol: 0.85, volume: 600_000 },
  DOGE: { price: 0.15, vol: 1.0, volume: 2_500_000 },
  ADA: { price: 0.45, vol: 0.9, volume: 800_000 },
  TON: { price: 6, vol: 0.9, volume: 40_000 },
};

export interface SimulatedProviderOptions {
  /** Current time in ms (inject a fake clock in tests). */
  now: () => number;
  /** Seed of the whole simulated market (default 42). */
  seed?: number;
}

export interface SimulatedProvider extends MarketDataProvider {
  readonly name: 'simulated';
}

/** Profile of an asset without a hand-written one: stable per name, in plausible ranges. */
function profileFor(base: string): PathProfile {
  const known = PROFILES[base];
  if (known) return known;
  const h = fnv1a(base);
  return { price: 0.5 + (h % 20_000) / 100, vol: 0.8 + ((h >>> 8) % 40) / 100, volume: 15_000 };
}

export function createSimulatedProvider(options: SimulatedProviderOptions): SimulatedProvider {
  const seed = options.seed ?? 42;
  const paths = new Map<string, PricePath>();

  function pathFor(symbol: MarketSymbol): PricePath {
    let path = paths.get(symbol.id);
    if (!path) {
      path = createPricePath(fnv1a(`${seed}|${symbol.id}`), profileFor(symbol.base));
      paths.set(symbol.id, path);
    }
    return path;
  }

  /** Index of the last bar of `interval` closed at `now()`; -1 before the first one closes. */
  function lastClosed(interval: Interval): number {
    return Math.floor((options.now() - SIMULATION_EPOCH_MS) / INTERVAL_MS[interval]) - 1;
  }

  async function candles(symbol: MarketSymbol, interval: Interval, limit: number): Promise<Candle[]> {
    const last = lastClosed(interval);
    const first = Math.max(0, last - Math.max(1, Math.floor(limit)) + 1);
    const path = pathFor(symbol);
    const out: Candle[] = [];
    for (let k = first; k <= last; k++) out.push(path.candle(interval, k));
    return out;
  }

  /** The closed bars with `fromMs <= openTime <= toMs`; none before `SIMULATION_EPOCH_MS`. */
  async function candlesBetween(symbol: MarketSymbol, interval: Interval, fromMs: number, toMs: number): Promise<Candle[]> {
    const step = INTERVAL_MS[interval];
    const first = Math.max(0, Math.ceil((fromMs - SIMULATION_EPOCH_MS) / step));
    const last = Math.min(lastClosed(interval), Math.floor((toMs - SIMULATION_EPOCH_MS) / step));
    const path = pathFor(symbol);
    const out: Candle[] = [];
    for (let k = first; k <= last; k++) out.push(path.candle(interval, k));
    return out;
  }

  return {
    name: 'simulated',
    simulated: true,
    supports(symbol) {
      return SUPPORTED_SYMBOL_IDS.simulated.has(symbol.id);
    },
    candles,
    pageBars: Infinity,
    candlesBetween,
    async price(symbol) {
      const last = lastClosed('1m');
      return last >= 0 ? pathFor(symbol).candle('1m', last).close : profileFor(symbol.base).price;
    },
  };
}
