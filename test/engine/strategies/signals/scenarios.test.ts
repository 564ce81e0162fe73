/**
 * Hand-shaped scenarios for rules the trend/range fixtures do not exercise: breakouts out of a
 * calm market, squeeze releases, disagreeing momentum windows, missing volume, parameters.
 */
import { describe, expect, it } from 'vitest';
import { getStrategy } from '../../../../src/engine/strategies/index.js';
import type { Candle } from '../../../../src/shared/market.js';
import { candlesFromCloses, randomWalk } from '../../../fixtures/candles.js';

/** 120 quiet bars (0.2 %/bar noise) around 100. */
function calm(seed = 3): Candle[] {
  return randomWalk(120, { seed, vol: 0.002 });
}

/** Append one bar from the last close to `close`, with the given high/low. */
function withBar(candles: Candle[], close: number, high: number, low: number): Candle[] {
  const prev = candles[candles.length - 1];
  return [...candles, { openTime: prev.openTime + 3_600_000, open: prev.close, high, low, close, volume: 1000 }];
}

describe('atr_breakout', () => {
  const s = getStrategy('atr_breakout');

  it('is 0 on an ordinary bar', () => {
    const out = s.evaluate(calm());
    expect(out.signal).toBe(0);
    expect(out.reason).toMatch(/^no expansion: true range [\d.]+ ATR < 1.5 ATR$/);
  });

  it('buys a wide bar closing on its high and sells one closing on its low', () => {
    const base = calm();
    const p = base[base.length - 1].close;
    const up = s.evaluate(withBar(base, p * 1.03, p * 1.03, p * 0.999));
    const down = s.evaluate(withBar(base, p * 0.97, p * 1.001, p * 0.97));
    expect(up.signal).toBe(1);
    expect(down.signal).toBe(-1);
    expect(up.reason).toMatch(/^range expansion [\d.]+ ATR/);
  });

  it('has no direction for a wide bar that closes mid-range', () => {
    const base = calm();
    const p = base[base.length - 1].close;
    const out = s.evaluate(withBar(base, p, p * 1.03, p * 0.97));
    expect(Math.abs(out.signal)).toBeLessThan(0.05);
  });
});

describe('breakout', () => {
  const s = getStrategy('breakout');

  it('gives +0.5 just above the prior high close and ±1 an ATR or more beyond', () => {
    const base = calm();
    const prior = base.slice(-21, -1);
    const hi = Math.max(...prior.map((c) => c.close));
    const last = base[base.length - 1];
    const justAbove = [...base.slice(0, -1), { ...last, close: hi * 1.000001, high: Math.max(hi * 1.000001, last.high) }];
    expect(s.evaluate(justAbove).signal).toBeCloseTo(0.5, 2);
    expect(s.evaluate(withBar(base, last.close * 1.05, last.close * 1.05, last.close)).signal).toBe(1);
    expect(s.evaluate(withBar(base, last.close * 0.95, last.close, last.close * 0.95)).signal).toBe(-1);
  });

  it('is 0 inside the range', () => {
    const closes = Array.from({ length: 40 }, (_, i) => 100 + (i % 2 === 0 ? 1 : -1));
    closes.push(100);
    const out = s.evaluate(candlesFromCloses(closes));
    expect(out.signal).toBe(0);
    expect(out.reason).toMatch(/inside 20-bar range/);
  });
});

describe('bollinger_squeeze', () => {
  const s = getStrategy('bollinger_squeeze');

  it('is 0 while the bands stay narrow', () => {
    const out = s.evaluate(calm(4));
    expect(out.signal).toBe(0);
    expect(out.reason).toMatch(/^no squeeze release/);
  });

  it('follows a release upwards and downwards', () => {
    const base = calm(4).map((c) => c.close);
    const p = base[base.length - 1];
    const up = candlesFromCloses([...base, p * 1.02, p * 1.04, p * 1.06]);
    const down = candlesFromCloses([...base, p * 0.98, p * 0.96, p * 0.94]);
    expect(s.evaluate(up).signal).toBeGreaterThanOrEqual(0.5);
    expect(s.evaluate(down).signal).toBeLessThanOrEqual(-0.5);
  });
});

describe('dual_momentum', () => {
  it('is 0 when the short window falls while the long window rises', () => {
    const closes = [
      ...Array.from({ length: 30 }, (_, i) => 100 + (i % 2) * 0.5),
      ...Array.from({ length: 10 }, (_, i) => 101 + i * 2),
      ...Array.from({ length: 10 }, (_, i) => 119 - i * 1.2),
    ];
    const out = getStrategy('dual_momentum').evaluate(candlesFromCloses(closes));
    expect(out.signal).toBe(0);
    expect(out.reason).toMatch(/disagree$/);
  });
});

describe('adx_filter', () => {
  it('follows the threshold: full strength far above it, nothing far below it', () => {
    const s = getStrategy('adx_filter');
    const candles = randomWalk(200, { seed: 8, drift: 0.004, vol: 0.006 });
    expect(s.evaluate(candles, { threshold: 10 }).signal).toBe(1);
    expect(s.evaluate(randomWalk(200, { seed: 8, vol: 0.006 }), { threshold: 60 }).signal).toBe(0);
  });
});

describe('volume strategies without volume', () => {
  it.each(['vwap_deviation', 'obv_trend'])('%s gives 0 and says so', (name) => {
    const candles = randomWalk(120, { seed: 9 }).map((c) => ({ ...c, volume: 0 }));
    const out = getStrategy(name).evaluate(candles);
    expect(out.signal).toBe(0);
    expect(out.reason).toMatch(/no volume/);
  });
});

describe('parameters', () => {
  const s = getStrategy('z_score');

  it('lookback overrides change the warm-up', () => {
    expect(s.requiredCandles({ lookback: 50 })).toBe(50);
    expect(s.evaluate(randomWalk(40), { lookback: 50 })).toMatchObject({ signal: 0, warmingUp: true });
  });

  it('out-of-range values are clamped, non-finite ones fall back to the default, unknown names ignored', () => {
    expect(s.requiredCandles({ lookback: 1e9 })).toBe(s.params.lookback.max);
    expect(s.requiredCandles({ lookback: 0 })).toBe(s.params.lookback.min);
    expect(s.requiredCandles({ lookback: Number.NaN })).toBe(s.params.lookback.default);
    expect(s.requiredCandles({ lookback: 20.6 })).toBe(21);
    const candles = randomWalk(100, { seed: 10 });
    expect(s.evaluate(candles, { nonsense: 3 })).toEqual(s.evaluate(candles));
  });

  it('a different lookback gives a different reading', () => {
    const candles = randomWalk(200, { seed: 10 });
    const a = getStrategy('momentum').evaluate(candles, { lookback: 5 });
    const b = getStrategy('momentum').evaluate(candles, { lookback: 40 });
    expect(a.signal).not.toBe(b.signal);
    expect(b.reason).toContain('over 40 bars');
  });
});
