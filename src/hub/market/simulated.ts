/**
 * Simulated market data for offline runs and tests: a seeded, mean-reverting geometric random walk.
 *
 * Deterministic: a bar's OHLCV depends only on (seed, symbol, interval, openTime), so every call
 * returns the same OHLC for the same bar. Bars are aligned to interval boundaries (UTC) from
 * `SIMULATION_EPOCH_MS`; only CLOSED bars are returned (`openTime + interval <= now()`).
 *
 * How: log-price checkpoints every `CHUNK` bars follow an Ornstein–Uhlenbeck walk around the
 * symbol's base price (so prices stay plausible over years), and bars inside a chunk follow a
 * Brownian bridge between the two checkpoints. Per-bar volatility is `annualVol * sqrt(interval/year)`.
 * Always labelled `simulated: true`.
 */
import { INTERVAL_MS, type Candle, type Interval } from '../../shared/market.js';
import type { MarketDataProvider } from './provider.js';
import { SUPPORTED_SYMBOL_IDS, type MarketSymbol } from './symbols.js';

/** First simulated bar (2020-01-01T00:00:00Z). */
export const SIMULATION_EPOCH_MS = Date.UTC(2020, 0, 1);

const YEAR_MS = 365 * 86_400_000;
const CHUNK = 256;
/** Mean-reversion half-life of the log price, in ms (60 days). */
const HALF_LIFE_MS = 60 * 86_400_000;

/** Base price (USDT) and annualised volatility (fraction) per base asset. */
const PROFILES: Record<string, { price: number; vol: number; volume: number }> = {
  BTC: { price: 65_000, vol: 0.55, volume: 40 },
  ETH: { price: 3_200, vol: 0.7, volume: 400 },
  SOL: { price: 150, vol: 0.95, volume: 8_000 },
  BNB: { price: 580, vol: 0.6, volume: 1_500 },
  XRP: { price: 0.6, vol: 0.85, volume: 2_000_000 },
  DOGE: { price: 0.15, vol: 1.0, volume: 8_000_000 },
  ADA: { price: 0.45, vol: 0.9, volume: 2_500_000 },
  TON: { price: 6, vol: 0.9, volume: 150_000 },
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

/** 32-bit FNV-1a of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Integer hash of (a, b, c) to a uniform in (0, 1). */
function uniform(a: number, b: number, c: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1) ^ Math.imul(c + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return ((h >>> 0) + 0.5) / 4_294_967_296;
}

/** Standard normal via Box–Muller from two hashed uniforms. */
function normal(key: number, index: number, stream: number): number {
  const u1 = uniform(key, index, stream * 2);
  const u2 = uniform(key, index, stream * 2 + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function profileFor(base: string): { price: number; vol: number; volume: number } {
  const known = PROFILES[base];
  if (known) return known;
  const h = fnv1a(base);
  return { price: 0.5 + (h % 20_000) / 100, vol: 0.8 + ((h >>> 8) % 40) / 100, volume: 50_000 };
}

interface Series {
  key: number;
  sigma: number;
  mu: number;
  volume: number;
  /** Log price at chunk boundaries; grows on demand. */
  checkpoints: number[];
  chunks: Map<number, Float64Array>;
}

export function createSimulatedProvider(options: SimulatedProviderOptions): SimulatedProvider {
  const seed = options.seed ?? 42;
  const series = new Map<string, Series>();

  function seriesFor(symbol: MarketSymbol, interval: Interval): Series {
    const name = `${symbol.id}|${interval}`;
    let s = series.get(name);
    if (!s) {
      const profile = profileFor(symbol.base);
      s = {
        key: fnv1a(`${seed}|${name}`),
        sigma: profile.vol * Math.sqrt(INTERVAL_MS[interval] / YEAR_MS),
        mu: Math.log(profile.price),
        volume: profile.volume * (INTERVAL_MS[interval] / 60_000) ** 0.7,
        checkpoints: [Math.log(profile.price)],
        chunks: new Map(),
      };
      series.set(name, s);
    }
    return s;
  }

  function checkpoint(s: Series, interval: Interval, c: number): number {
    const theta = Math.min(1, (Math.LN2 * CHUNK * INTERVAL_MS[interval]) / HALF_LIFE_MS);
    const step = s.sigma * Math.sqrt(CHUNK);
    while (s.checkpoints.length <= c) {
      const i = s.checkpoints.length - 1;
      const prev = s.checkpoints[i]!;
      s.checkpoints.push(prev + theta * (s.mu - prev) + step * normal(s.key, i, 0));
    }
    return s.checkpoints[c]!;
  }

  /** Log closes of the CHUNK bars of chunk `c` (index j = close of bar c*CHUNK + j). */
  function chunk(s: Series, interval: Interval, c: number): Float64Array {
    let closes = s.chunks.get(c);
    if (closes) return closes;
    const start = checkpoint(s, interval, c);
    const end = checkpoint(s, interval, c + 1);
    const walk = new Float64Array(CHUNK);
    let w = 0;
    for (let j = 0; j < CHUNK; j++) {
      w += s.sigma * normal(s.key, c * CHUNK + j, 1);
      walk[j] = w;
    }
    const gap = end - start - w;
    closes = new Float64Array(CHUNK);
    for (let j = 0; j < CHUNK; j++) closes[j] = start + walk[j]! + ((j + 1) / CHUNK) * gap;
    if (s.chunks.size > 64) s.chunks.clear();
    s.chunks.set(c, closes);
    return closes;
  }

  function logClose(s: Series, interval: Interval, k: number): number {
    if (k < 0) return s.checkpoints[0]!;
    return chunk(s, interval, Math.floor(k / CHUNK))[k % CHUNK]!;
  }

  function bar(s: Series, interval: Interval, k: number): Candle {
    const open = Math.exp(logClose(s, interval, k - 1));
    const close = Math.exp(logClose(s, interval, k));
    const wickUp = Math.abs(normal(s.key, k, 2)) * s.sigma * 0.6;
    const wickDown = Math.abs(normal(s.key, k, 3)) * s.sigma * 0.6;
    const volume = s.volume * Math.exp(0.5 * normal(s.key, k, 4));
    return {
      openTime: SIMULATION_EPOCH_MS + k * INTERVAL_MS[interval],
      open,
      high: Math.max(open, close) * Math.exp(wickUp),
      low: Math.min(open, close) * Math.exp(-wickDown),
      close,
      volume,
    };
  }

  async function candles(symbol: MarketSymbol, interval: Interval, limit: number): Promise<Candle[]> {
    const ms = INTERVAL_MS[interval];
    const lastClosed = Math.floor((options.now() - SIMULATION_EPOCH_MS) / ms) - 1;
    const first = Math.max(0, lastClosed - Math.max(1, Math.floor(limit)) + 1);
    const s = seriesFor(symbol, interval);
    const out: Candle[] = [];
    for (let k = first; k <= lastClosed; k++) out.push(bar(s, interval, k));
    return out;
  }

  return {
    name: 'simulated',
    simulated: true,
    supports(symbol) {
      return SUPPORTED_SYMBOL_IDS.simulated.has(symbol.id);
    },
    candles,
    async price(symbol) {
      const [last] = await candles(symbol, '1m', 1);
      return last ? last.close : Math.exp(seriesFor(symbol, '1m').mu);
    },
  };
}
