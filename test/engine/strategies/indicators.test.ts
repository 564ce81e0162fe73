import { describe, expect, it } from 'vitest';
import {
  OWN_INDICATORS,
  closeLocation,
  kalmanFairValue,
  realizedVolatility,
  regressionChannel,
} from '../../../src/engine/strategies/index.js';
import { obvFlowRatio, vwapStdDev } from '../../../src/engine/strategies/indicators.js';
import { candlesFromCloses, flat, randomWalk } from '../../fixtures/candles.js';

describe('OWN_INDICATORS', () => {
  it('lists unique snake_case names', () => {
    expect(new Set(OWN_INDICATORS).size).toBe(OWN_INDICATORS.length);
    for (const n of OWN_INDICATORS) expect(n).toMatch(/^[a-z_]+$/);
  });
});

describe('realizedVolatility', () => {
  it('is the population standard deviation of the last n log returns, per bar', () => {
    // Log returns alternate +ln(1.01), -ln(1.01): mean 0, std ln(1.01).
    const closes = [100];
    for (let i = 0; i < 10; i++) closes.push(i % 2 === 0 ? 101 : 100);
    const candles = candlesFromCloses(closes);
    expect(realizedVolatility(candles, 10)).toBeCloseTo(Math.log(1.01), 12);
    expect(realizedVolatility(candles, 2)).toBeCloseTo(Math.log(1.01), 12);
  });

  it('is 0 on a flat market and undefined without enough candles or a bad window', () => {
    expect(realizedVolatility(flat(30), 20)).toBe(0);
    expect(realizedVolatility(flat(20), 20)).toBeUndefined();
    expect(realizedVolatility(flat(30), 1)).toBeUndefined();
    expect(realizedVolatility(flat(30), 2.5)).toBeUndefined();
  });

  it('estimates the generating volatility of a random walk', () => {
    const vol = realizedVolatility(randomWalk(2001, { seed: 1, vol: 0.01 }), 2000)!;
    expect(vol).toBeGreaterThan(0.0095);
    expect(vol).toBeLessThan(0.0105);
  });
});

describe('kalmanFairValue', () => {
  it('tracks a constant series exactly with zero innovation spread', () => {
    const kf = kalmanFairValue([5, 5, 5, 5, 5])!;
    expect(kf.level).toBe(5);
    expect(kf.innovation).toBe(0);
    expect(kf.innovationStd).toBe(0);
  });

  it('lags a rising series, so the last price is above the prior level', () => {
    const values = Array.from({ length: 50 }, (_, i) => 100 + i + (i % 2) * 0.5);
    const kf = kalmanFairValue(values)!;
    expect(kf.innovation).toBeGreaterThan(0);
    expect(kf.priorLevel).toBeLessThan(values[values.length - 1]);
    expect(kf.innovationStd).toBeGreaterThan(0);
  });

  it('is scale-free: multiplying prices scales level and spread alike', () => {
    const values = randomWalk(60, { seed: 2 }).map((c) => c.close);
    const a = kalmanFairValue(values)!;
    const b = kalmanFairValue(values.map((v) => v * 1000))!;
    expect(b.innovation / b.innovationStd).toBeCloseTo(a.innovation / a.innovationStd, 9);
  });

  it('needs 3 values', () => {
    expect(kalmanFairValue([1, 2])).toBeUndefined();
  });
});

describe('regressionChannel', () => {
  it('fits a straight line exactly', () => {
    const fit = regressionChannel([3, 5, 7, 9, 11])!;
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.fitted).toBeCloseTo(11, 12);
    expect(fit.residualStd).toBeCloseTo(0, 12);
  });

  it('measures the residual spread', () => {
    // A line 2x plus alternating ±1 noise: the fit recovers the slope, residuals are about ±1.
    const values = Array.from({ length: 40 }, (_, x) => 2 * x + (x % 2 === 0 ? 1 : -1));
    const fit = regressionChannel(values)!;
    expect(fit.slope).toBeCloseTo(2, 2);
    expect(fit.residualStd).toBeGreaterThan(0.99);
    expect(fit.residualStd).toBeLessThanOrEqual(1);
    expect(regressionChannel([1, 2])).toBeUndefined();
  });
});

describe('closeLocation and obvFlowRatio', () => {
  const bar = { openTime: 0, open: 10, volume: 1 };
  it('closeLocation is -1 on the low, +1 on the high, 0 in the middle or without range', () => {
    expect(closeLocation({ ...bar, high: 12, low: 8, close: 8 })).toBe(-1);
    expect(closeLocation({ ...bar, high: 12, low: 8, close: 12 })).toBe(1);
    expect(closeLocation({ ...bar, high: 12, low: 8, close: 10 })).toBe(0);
    expect(closeLocation({ ...bar, high: 10, low: 10, close: 10 })).toBe(0);
  });
  it('obvFlowRatio divides by traded volume and refuses no volume', () => {
    expect(obvFlowRatio(50, 200)).toBe(0.25);
    expect(obvFlowRatio(0, 0)).toBeUndefined();
  });
});

describe('vwapStdDev', () => {
  const bar = (typical: number, volume: number) => ({ openTime: 0, open: typical, high: typical, low: typical, close: typical, volume });
  it('weights squared deviations of the typical price by volume and skips bars without volume', () => {
    // Typical prices 9 (volume 1) and 12 (volume 2) around VWAP 11: sqrt((1·4 + 2·1) / 3) = sqrt(2).
    expect(vwapStdDev([bar(9, 1), bar(12, 2), bar(500, 0)], 11)).toBeCloseTo(Math.SQRT2, 12);
    expect(vwapStdDev([bar(9, 0)], 9)).toBeUndefined();
  });
});
