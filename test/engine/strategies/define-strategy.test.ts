import { describe, expect, it } from 'vitest';
import { barsParam, clamp, defineStrategy, fmt, fmtPct, fmtSignal, resolveParams } from '../../../src/engine/strategies/define-strategy.js';
import { randomWalk } from '../../fixtures/candles.js';

/** A strategy that returns whatever the test puts in `raw`. */
function echo(raw: number) {
  return defineStrategy({
    name: 'echo',
    label: 'Echo',
    description: 'returns a fixed raw value',
    family: 'trend',
    params: { lookback: barsParam(5, 2, 10, 'bars') },
    warmUp: (p) => p.lookback,
    createState: () => ({ update() {}, read: () => ({ signal: raw, reason: `raw ${raw}` }) }),
  });
}

describe('defineStrategy', () => {
  const candles = randomWalk(10);

  it('clamps into [-1, 1] and turns -0 into 0', () => {
    expect(echo(5).evaluate(candles).signal).toBe(1);
    expect(echo(-5).evaluate(candles).signal).toBe(-1);
    expect(Object.is(echo(-0).evaluate(candles).signal, 0)).toBe(true);
    expect(echo(0.42).evaluate(candles)).toEqual({ signal: 0.42, reason: 'raw 0.42' });
  });

  it('turns non-finite values into 0 and says so', () => {
    for (const raw of [Number.NaN, Infinity, -Infinity]) {
      const out = echo(raw).evaluate(candles);
      expect(out.signal).toBe(0);
      expect(out.reason).toMatch(/^no signal \(non-finite value\)/);
    }
  });

  it('warms up against the resolved parameters', () => {
    const s = echo(1);
    expect(s.minCandles).toBe(5);
    expect(s.evaluate(candles.slice(0, 4)).warmingUp).toBe(true);
    expect(s.evaluate(candles.slice(0, 4), { lookback: 3 }).warmingUp).toBeUndefined();
    expect(s.requiredCandles({ lookback: 99 })).toBe(10);
  });
});

describe('resolveParams', () => {
  it('clamps, rounds integers and defaults non-finite values', () => {
    const specs = { n: barsParam(5, 2, 10, 'bars'), x: { default: 0.5, min: 0, max: 1, integer: false, description: 'x' } };
    expect(resolveParams(specs, undefined)).toEqual({ n: 5, x: 0.5 });
    expect(resolveParams(specs, { n: 7.4, x: 2 })).toEqual({ n: 7, x: 1 });
    expect(resolveParams(specs, { n: -Infinity, x: Number.NaN })).toEqual({ n: 5, x: 0.5 });
  });
});

describe('formatting', () => {
  it('formats numbers, signals and percents for reasons', () => {
    expect(fmt(104.0312)).toBe('104.0');
    expect(fmt(0.012345)).toBe('0.01235');
    expect(fmt(61234.5)).toBe('61235');
    expect(fmt(0)).toBe('0');
    expect(fmt(1.234e-7)).toBe('1.234e-7');
    expect(fmtSignal(0.4249)).toBe('+0.42');
    expect(fmtSignal(-3)).toBe('-1.00');
    expect(fmtSignal(-0)).toBe('0.00');
    expect(fmtPct(0.0123)).toBe('+1.23%');
    expect(fmtPct(-0.5)).toBe('-50.00%');
    expect(clamp(2)).toBe(1);
    expect(clamp(0.5, 0, 0.25)).toBe(0.25);
  });
});
