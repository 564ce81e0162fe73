/**
 * What the liquidation check adds to the hub's price path: every price and candle series the
 * market layer serves is checked against the in-memory book of open paper positions
 * (src/hub/broker/open-positions.ts). No database, no I/O: the numbers are CPU per call.
 *
 * Prints `name=value` lines (ns = nanoseconds per call, best of several rounds):
 *   check_price_empty_symbol_ns       a price of a symbol nobody holds (one Map lookup)
 *   check_price_no_cross_ns           a price crossing none of BENCH_POSITIONS positions on the symbol
 *   check_price_cross_scan_ns         a price past one position's liquidation (walks the symbol's positions)
 *   check_bars_no_cross_ns            a series of BENCH_BARS bars crossing none of the positions
 *   getprice_cached_raw_ns            a cached getPrice of the real candle service (simulated, memory store)
 *   getprice_cached_observed_ns       the same through the observing wrapper with the book full
 *   getprice_observer_overhead_ns     the difference
 * Env: BENCH_POSITIONS (1000), BENCH_BARS (300), BENCH_CALLS (200000).
 */
import { performance } from 'node:perf_hooks';
import { createOpenPositionBook } from '../src/hub/broker/open-positions.js';
import { createCandleService } from '../src/hub/market/candle-service.js';
import { createMemoryCandleStore } from '../src/hub/market/candle-store.js';
import { observeCandleService } from '../src/hub/market/price-observer.js';
import { createSimulatedProvider } from '../src/hub/market/simulated.js';
import type { Candle } from '../src/shared/market.js';

const POSITIONS = Number(process.env.BENCH_POSITIONS ?? 1000);
const BARS = Number(process.env.BENCH_BARS ?? 300);
const CALLS = Number(process.env.BENCH_CALLS ?? 200_000);
const T0 = Date.UTC(2026, 2, 10, 10, 5, 0);

const ROUNDS = 5;

/** Best of ROUNDS rounds of `calls` calls (the first round also warms the JIT up), ns per call. */
function perCallNs(calls: number, f: () => unknown): number {
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) f();
    best = Math.min(best, ((performance.now() - t) * 1e6) / calls);
  }
  return best;
}

/** The same for an async call, awaited one at a time. */
async function perCallNsAsync(calls: number, f: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) await f();
    best = Math.min(best, ((performance.now() - t) * 1e6) / calls);
  }
  return best;
}

const now = () => T0;
const raw = createCandleService({ provider: createSimulatedProvider({ now, seed: 1 }), store: createMemoryCandleStore(), now });
// The book sits around the simulated price P: longs liquidated between 0.5 P and 0.9 P, shorts
// between 1.1 P and 1.5 P, so P crosses none of them.
const P = (await raw.getPrice('BTCUSDT')).price; // also fills the price cache: the getPrice loops below are cache hits
const book = createOpenPositionBook();
for (let i = 0; i < POSITIONS; i++) {
  const long = i % 2 === 0;
  book.track({
    tradeId: `t${i}`,
    agentId: `a${i}`,
    symbol: 'BTCUSDT',
    side: long ? 'long' : 'short',
    liquidationPrice: P * (long ? 0.5 + (0.4 * i) / POSITIONS : 1.1 + (0.4 * i) / POSITIONS),
    openedAtMs: T0 - 3_600_000,
  });
}
const bars: Candle[] = Array.from({ length: BARS }, (_, i) => ({
  openTime: T0 - (BARS - i) * 60_000,
  open: P,
  high: P * 1.01,
  low: P * 0.99,
  close: P,
  volume: 1,
}));

const lines: Record<string, number> = {};
lines.check_price_empty_symbol_ns = perCallNs(CALLS, () => book.crossedByPrice('ETHUSDT', P, T0));
lines.check_price_no_cross_ns = perCallNs(CALLS, () => book.crossedByPrice('BTCUSDT', P, T0));
// Past the highest long liquidation price: the symbol's positions are walked (one is crossed).
lines.check_price_cross_scan_ns = perCallNs(Math.max(1, CALLS / 100), () => book.crossedByPrice('BTCUSDT', P * 0.899, T0));
lines.check_bars_no_cross_ns = perCallNs(Math.max(1, CALLS / 10), () => book.crossedByBars('BTCUSDT', bars));

const observed = observeCandleService(
  raw,
  { price: (s, p, at) => void book.crossedByPrice(s, p, at), bars: (s, b) => void book.crossedByBars(s, b) },
  (e) => {
    throw e;
  },
);
if (book.crossedByPrice('BTCUSDT', P, T0).length !== 0) throw new Error('bench set-up: the cached price crosses a position');
// Interleaved rounds, so neither side profits from running second.
lines.getprice_cached_raw_ns = Infinity;
lines.getprice_cached_observed_ns = Infinity;
for (let round = 0; round < 3; round++) {
  lines.getprice_cached_raw_ns = Math.min(lines.getprice_cached_raw_ns, await perCallNsAsync(CALLS / 10, () => raw.getPrice('BTCUSDT')));
  lines.getprice_cached_observed_ns = Math.min(
    lines.getprice_cached_observed_ns,
    await perCallNsAsync(CALLS / 10, () => observed.getPrice('BTCUSDT')),
  );
}
lines.getprice_observer_overhead_ns = lines.getprice_cached_observed_ns - lines.getprice_cached_raw_ns;

console.log(`positions=${POSITIONS}`);
console.log(`bars=${BARS}`);
for (const [name, value] of Object.entries(lines)) console.log(`${name}=${value.toFixed(1)}`);
