import { describe, expect, it } from 'vitest';
import { INTERVAL_MS, INTERVALS, type Candle, type Interval } from '../../../src/shared/market.js';
import { createSimulatedProvider, SIMULATION_EPOCH_MS } from '../../../src/hub/market/simulated.js';
import type { MarketDataProvider } from '../../../src/hub/market/provider.js';
import { parseSymbol, type MarketSymbol } from '../../../src/hub/market/symbols.js';
import { seededRandom } from '../../fixtures/candles.js';

const NOW = Date.UTC(2026, 4, 5, 10, 7, 30);
const YEAR_MS = 365 * 86_400_000;
const btc = parseSymbol('BTC');

/** A provider frozen at `now`, with its clock exposed. */
function simulated(now: number, seed: number) {
  return Object.assign(createSimulatedProvider({ now: () => now, seed }), { now: () => now });
}
type FrozenProvider = ReturnType<typeof simulated>;

describe('simulated provider', () => {
  it('returns closed bars aligned to the interval, oldest-first, labelled simulated', async () => {
    const sim = createSimulatedProvider({ now: () => NOW, seed: 7 });
    expect(sim.simulated).toBe(true);
    const candles = await sim.candles(btc, '15m', 50);
    expect(candles).toHaveLength(50);
    const lastClosed = Math.floor(NOW / 900_000) * 900_000 - 900_000;
    expect(candles.at(-1)!.openTime).toBe(lastClosed);
    for (let i = 0; i < candles.length; i++) {
      const c = candles[i]!;
      expect(c.openTime % INTERVAL_MS['15m']).toBe(0);
      if (i > 0) {
        expect(c.openTime - candles[i - 1]!.openTime).toBe(900_000);
        expect(c.open).toBeCloseTo(candles[i - 1]!.close, 6);
      }
      expect(c.high).toBeGreaterThanOrEqual(Math.max(c.open, c.close));
      expect(c.low).toBeLessThanOrEqual(Math.min(c.open, c.close));
      expect(c.volume).toBeGreaterThan(0);
    }
  });

  it('serves history windows: the same bars as the latest ones, closed only, none before the simulation starts', async () => {
    const sim = createSimulatedProvider({ now: () => NOW, seed: 7 });
    const latest = await sim.candles(btc, '15m', 50);
    const from = latest[0]!.openTime;
    expect(await sim.candlesBetween(btc, '15m', from, from + 49 * 900_000)).toEqual(latest);
    // A window past the last closed bar stops there; a window before the epoch is empty.
    expect(await sim.candlesBetween(btc, '15m', from, NOW + 86_400_000)).toEqual(latest);
    expect(await sim.candlesBetween(btc, '1h', SIMULATION_EPOCH_MS - 86_400_000, SIMULATION_EPOCH_MS - 3_600_000)).toEqual([]);
    const first = await sim.candlesBetween(btc, '1h', SIMULATION_EPOCH_MS - 86_400_000, SIMULATION_EPOCH_MS + 3_600_000);
    expect(first.map((c) => c.openTime)).toEqual([SIMULATION_EPOCH_MS, SIMULATION_EPOCH_MS + 3_600_000]);
  });

  it('is deterministic: the same bar has the same OHLC across calls, instances and clocks', async () => {
    let now = NOW;
    const a = createSimulatedProvider({ now: () => now, seed: 7 });
    const b = createSimulatedProvider({ now: () => NOW + 3 * 3_600_000, seed: 7 });
    const first = await a.candles(btc, '1h', 10);
    now += 5 * 3_600_000;
    const later = await a.candles(btc, '1h', 20);
    const other = await b.candles(btc, '1h', 30);
    for (const bar of first) {
      expect(later.find((c) => c.openTime === bar.openTime)).toEqual(bar);
      expect(other.find((c) => c.openTime === bar.openTime)).toEqual(bar);
    }
    const reseeded = await createSimulatedProvider({ now: () => NOW, seed: 8 }).candles(btc, '1h', 10);
    expect(reseeded.at(-1)!.close).not.toBe(first.at(-1)!.close);
  });

  it('has realistic volatility and stays near the base price', async () => {
    const sim = createSimulatedProvider({ now: () => NOW, seed: 42 });
    const hours = await sim.candles(btc, '1h', 2000);
    const returns = hours.slice(1).map((c, i) => Math.log(c.close / hours[i]!.close));
    const mean = returns.reduce((s, r) => s + r, 0) / returns.length;
    const sd = Math.sqrt(returns.reduce((s, r) => s + (r - mean) ** 2, 0) / returns.length);
    const annualised = sd * Math.sqrt(24 * 365);
    expect(annualised).toBeGreaterThan(0.3);
    expect(annualised).toBeLessThan(1.0);
    for (const c of hours) {
      expect(c.close).toBeGreaterThan(65_000 / 4);
      expect(c.close).toBeLessThan(65_000 * 4);
    }
    const price = await sim.price(btc);
    expect(price).toBe((await sim.candles(btc, '1m', 1))[0]!.close);
  });
});

/** Start (ms) of the `interval` period containing `ms`. */
const periodStart = (ms: number, interval: Interval) => Math.floor(ms / INTERVAL_MS[interval]) * INTERVAL_MS[interval];

/** The 1-minute bars covering [from, to), oldest-first, as served at `now` (>= to). */
async function baseBars(sim: FrozenProvider, symbol: MarketSymbol, from: number, to: number): Promise<Candle[]> {
  const count = (periodStart(sim.now(), '1m') - from) / 60_000;
  const bars = await sim.candles(symbol, '1m', count);
  expect(bars[0]!.openTime).toBe(from);
  return bars.filter((c) => c.openTime < to);
}

/** Random instants between 2020-03-01 and 2026-06-01 (a seeded PRNG, so failures reproduce). */
function randomInstants(count: number, seed: number): number[] {
  const rand = seededRandom(seed);
  const from = Date.UTC(2020, 2, 1);
  const to = Date.UTC(2026, 5, 1);
  return Array.from({ length: count }, () => from + Math.floor(rand() * (to - from)));
}

const symbols = ['BTC', 'ETH', 'SOL', 'DOGE', 'XRP', 'LINK'].map((base) => parseSymbol(base));

describe('simulated provider: one market, whatever the interval', () => {
  it('at one instant, every interval ends where the price is (the issue: 15m at 66.7k while price was 48.4k)', async () => {
    // 00:00:30 UTC: the last closed bar of every interval, 1m to 1d, closed at midnight.
    const now = Date.UTC(2026, 4, 5, 0, 0, 30);
    const sim = simulated(now, 42);
    const price = await sim.price(btc);
    const closes: Record<string, number> = {};
    for (const interval of INTERVALS) closes[interval] = (await sim.candles(btc, interval, 1))[0]!.close;
    expect(closes).toEqual(Object.fromEntries(INTERVALS.map((i) => [i, price])));
  });

  it('for random instants and every interval, the last closed bar is the aggregate of the 1-minute bars it covers', async () => {
    for (const [n, now] of randomInstants(24, 9).entries()) {
      const symbol = symbols[n % symbols.length]!;
      const sim = simulated(now, 1000 + n);
      for (const interval of INTERVALS) {
        const [bar] = await sim.candles(symbol, interval, 1);
        const end = periodStart(now, interval);
        expect(bar!.openTime + INTERVAL_MS[interval]).toBe(end);
        const base = await baseBars(sim, symbol, bar!.openTime, end);
        expect(base).toHaveLength(INTERVAL_MS[interval] / 60_000);
        const where = `${symbol.id} ${interval} at ${new Date(now).toISOString()}`;
        expect(bar, where).toEqual({
          openTime: base[0]!.openTime,
          open: base[0]!.open,
          high: Math.max(...base.map((c) => c.high)),
          low: Math.min(...base.map((c) => c.low)),
          close: base.at(-1)!.close,
          volume: base.reduce((s, c) => s + c.volume, 0),
        });
      }
    }
  });

  it('for many random instants, every interval closes at the base close at its end and the price is the latest base close', async () => {
    for (const [n, now] of randomInstants(300, 10).entries()) {
      const symbol = symbols[n % symbols.length]!;
      const sim = simulated(now, 7);
      const price = await sim.price(symbol);
      expect(price).toBe((await sim.candles(symbol, '1m', 1))[0]!.close);
      for (const interval of INTERVALS) {
        const [bar] = await sim.candles(symbol, interval, 1);
        const end = periodStart(now, interval);
        const [lastBase] = await simulated(end, 7).candles(symbol, '1m', 1);
        expect(bar!.close, `${symbol.id} ${interval} at ${new Date(now).toISOString()}`).toBe(lastBase!.close);
      }
    }
  });

  it("has the profile's volatility at every interval (BTC: 55 % a year)", async () => {
    const sim = simulated(NOW, 5);
    for (const interval of INTERVALS) {
      const bars = await sim.candles(btc, interval, 2000);
      const returns = bars.map((c) => Math.log(c.close / c.open));
      const annualised = Math.sqrt((returns.reduce((s, r) => s + r * r, 0) / returns.length) * (YEAR_MS / INTERVAL_MS[interval]));
      expect({ interval, inRange: annualised > 0.4 && annualised < 0.7 }, `annualised ${annualised}`).toEqual({ interval, inRange: true });
    }
  });

  it('computes a bar the same whatever was asked before (random access, no hidden state)', async () => {
    const instants = randomInstants(6, 12);
    let clock = NOW;
    const forward = createSimulatedProvider({ now: () => clock, seed: 9 });
    const backward = createSimulatedProvider({ now: () => clock, seed: 9 });
    const ask = (sim: MarketDataProvider, interval: Interval, at: number) => {
      clock = at;
      return sim.candles(btc, interval, 3);
    };
    const seen = new Map<string, Candle[]>();
    for (const at of instants) for (const interval of INTERVALS) seen.set(`${interval}@${at}`, await ask(forward, interval, at));
    for (const at of [...instants].reverse()) {
      for (const interval of [...INTERVALS].reverse()) expect(await ask(backward, interval, at)).toEqual(seen.get(`${interval}@${at}`));
    }
  });

  it('keeps OHLC invariants at every interval and no 1-minute move beyond a plausible bound', async () => {
    for (const [n, now] of randomInstants(12, 11).entries()) {
      const symbol = symbols[n % symbols.length]!;
      const sim = simulated(now, 3);
      for (const interval of INTERVALS) {
        const bars = await sim.candles(symbol, interval, 1440);
        expect(bars.length).toBeGreaterThan(50);
        const broken = bars.filter((c, i) => {
          const previous = bars[i - 1];
          return (
            c.openTime % INTERVAL_MS[interval] !== 0 ||
            (previous && (c.openTime - previous.openTime !== INTERVAL_MS[interval] || c.open !== previous.close)) ||
            !(c.high >= Math.max(c.open, c.close) && c.low <= Math.min(c.open, c.close) && c.low > 0 && c.volume > 0)
          );
        });
        expect(broken, `${symbol.id} ${interval} before ${new Date(now).toISOString()}`).toEqual([]);
        if (interval !== '1m') continue;
        // Annualised volatility is at most 120 % here: one minute's sd is under 0.17 %, so a bar
        // spanning 3 % is a >18-sigma event; BTC (55 %, sd 0.076 %) stays within 1.5 %.
        const bound = symbol.base === 'BTC' ? 0.015 : 0.03;
        const widest = Math.max(...bars.map((c) => Math.log(c.high / c.low)));
        expect(widest, `${symbol.id} widest 1m bar before ${new Date(now).toISOString()}`).toBeLessThan(bound);
      }
    }
  });
});
