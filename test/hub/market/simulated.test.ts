import { describe, expect, it } from 'vitest';
import { INTERVAL_MS } from '../../../src/shared/market.js';
import { createSimulatedProvider } from '../../../src/hub/market/simulated.js';
import { parseSymbol } from '../../../src/hub/market/symbols.js';

const NOW = Date.UTC(2026, 4, 5, 10, 7, 30);
const btc = parseSymbol('BTC');

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
