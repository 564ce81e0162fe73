import { describe, expect, it } from 'vitest';
import { adx, atr, directionalMovement } from '../../../src/engine/strategies/index.js';
import type { Candle } from '../../../src/shared/market.js';
import { flat, randomWalk, range, trendDown, trendUp } from '../../fixtures/candles.js';

/** Wilder ATR written out by hand, for comparison. */
function wilderAtr(candles: readonly Candle[], period: number): number {
  const tr = candles.map((c, i) =>
    i === 0 ? c.high - c.low : Math.max(c.high - c.low, Math.abs(c.high - candles[i - 1].close), Math.abs(c.low - candles[i - 1].close)),
  );
  let value = tr.slice(0, period).reduce((a, b) => a + b, 0) / period;
  for (let i = period; i < tr.length; i++) value = (value * (period - 1) + tr[i]) / period;
  return value;
}

describe('atr', () => {
  it('matches a hand-written Wilder ATR', () => {
    const candles = randomWalk(100, { seed: 3 });
    expect(atr(candles, 14)).toBeCloseTo(wilderAtr(candles, 14), 10);
    expect(atr(candles, 5)).toBeCloseTo(wilderAtr(candles, 5), 10);
  });

  it('is 0 on a flat market and undefined with too few candles', () => {
    expect(atr(flat(30))).toBe(0);
    expect(atr(flat(13))).toBeUndefined();
    expect(atr(flat(14))).toBe(0);
    expect(atr(flat(30), 0)).toBeUndefined();
  });

  it('only looks at the recent past (older bars weigh less than e^-20)', () => {
    const candles = randomWalk(1000, { seed: 4 });
    expect(atr(candles)).toBeCloseTo(wilderAtr(candles, 14), 6);
  });
});

describe('adx / directionalMovement', () => {
  it('reads trends as trending, with the right DI on top', () => {
    const up = directionalMovement(trendUp(200))!;
    const down = directionalMovement(trendDown(200))!;
    expect(up.adx).toBeGreaterThan(25);
    expect(up.plusDi).toBeGreaterThan(up.minusDi);
    expect(down.adx).toBeGreaterThan(25);
    expect(down.minusDi).toBeGreaterThan(down.plusDi);
  });

  it('reads the range fixture as not trending', () => {
    expect(adx(range(300))!).toBeLessThan(25);
  });

  it('is 0 on a flat market, recovers after a flat start, and needs 2 × period candles', () => {
    expect(directionalMovement(flat(60))).toEqual({ adx: 0, plusDi: 0, minusDi: 0 });
    const afterFlat = [...flat(40), ...trendUp(100).map((c, i) => ({ ...c, openTime: c.openTime + (40 + i) * 3_600_000 }))];
    expect(adx(afterFlat)).toBeGreaterThan(25);
    expect(adx(trendUp(27))).toBeUndefined();
    expect(adx(trendUp(28))).toBeTypeOf('number');
  });
});
