/**
 * Every strategy on the shared fixtures: trend up, trend down, a range ending at its top and at
 * its bottom, a flat market, and too few candles. Directional expectations follow each
 * strategy's logic; the tables below must classify every registered strategy.
 */
import { describe, expect, it } from 'vitest';
import { STRATEGIES, STRATEGY_NAMES } from '../../../src/engine/strategies/index.js';
import type { StrategyName } from '../../../src/engine/strategies/index.js';
import { flat, randomWalk, range, trendDown, trendUp } from '../../fixtures/candles.js';
import type { Candle } from '../../../src/shared/market.js';

/** Follow the move: clearly positive in an uptrend, negative in a downtrend. */
const TREND_FOLLOWERS: readonly StrategyName[] = [
  'momentum',
  'dual_momentum',
  'donchian_channel',
  'ma_crossover',
  'ema_crossover',
  'macd_signal',
  'trend_following',
  'adx_filter',
  'supertrend',
  'ichimoku_signal',
  'obv_trend',
];
/** Fade the move: negative above the mean (uptrend, range top), positive below it. */
const FADERS: readonly StrategyName[] = [
  'z_score',
  'bollinger_reversion',
  'rsi_signal',
  'range_sr',
  'kalman_fair_value',
  'mean_reversion',
  'stochastic_signal',
  'keltner_bollinger',
  'vwap_deviation',
];
/**
 * Fades residuals from a fitted line: in a steady trend the line follows the trend and the
 * residual's sign is noise, so only the range extremes are asserted.
 */
const LINE_FADERS: readonly StrategyName[] = ['linear_regression_channel'];
/** Act only on a break or an expansion, then in its direction; never against a steady trend. */
const BREAKOUTS: readonly StrategyName[] = ['breakout', 'bollinger_squeeze'];
/** Direction of a single wide bar; a steady trend may contain wide bars either way. */
const BAR_BREAKOUTS: readonly StrategyName[] = ['atr_breakout'];

const N = 300;
const TREND_SEEDS = [11, 21, 31];
const RANGE_SEEDS = [13, 23, 33];

function signalOf(name: StrategyName, candles: readonly Candle[]): number {
  const s = STRATEGIES.find((x) => x.name === name);
  if (!s) throw new Error(`missing ${name}`);
  return s.evaluate(candles).signal;
}

describe('strategy expectation tables', () => {
  it('classify every registered strategy exactly once, consistent with its family', () => {
    const all = [...TREND_FOLLOWERS, ...FADERS, ...LINE_FADERS, ...BREAKOUTS, ...BAR_BREAKOUTS];
    expect([...all].sort()).toEqual([...STRATEGY_NAMES].sort());
    const family = (n: StrategyName) => STRATEGIES.find((s) => s.name === n)?.family;
    for (const n of TREND_FOLLOWERS) expect(family(n), n).toBe('trend');
    for (const n of [...FADERS, ...LINE_FADERS]) expect(family(n), n).toBe('mean_reversion');
    for (const n of [...BREAKOUTS, ...BAR_BREAKOUTS]) expect(family(n), n).toBe('breakout');
  });
});

describe.each(STRATEGIES.map((s) => [s.name, s] as const))('%s', (name, strategy) => {
  it('has a label, a description, and parameters with defaults inside their bounds', () => {
    expect(strategy.label.length).toBeGreaterThan(0);
    expect(strategy.description.length).toBeGreaterThan(0);
    expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    for (const [key, spec] of Object.entries(strategy.params)) {
      expect(spec.default, key).toBeGreaterThanOrEqual(spec.min);
      expect(spec.default, key).toBeLessThanOrEqual(spec.max);
    }
    expect(strategy.minCandles).toBe(strategy.requiredCandles());
    expect(strategy.minCandles).toBeGreaterThan(1);
  });

  it('warms up with too few candles: signal 0 and a reason with both counts', () => {
    const need = strategy.minCandles;
    const candles = trendUp(need - 1);
    const out = strategy.evaluate(candles);
    expect(out).toEqual({ signal: 0, warmingUp: true, reason: `warming up: need ${need} candles, have ${need - 1}` });
    expect(strategy.evaluate([]).warmingUp).toBe(true);
    const ready = strategy.evaluate(trendUp(need));
    expect(ready.warmingUp).toBeUndefined();
    expect(Number.isFinite(ready.signal)).toBe(true);
  });

  it('gives exactly 0 on a flat market', () => {
    const out = strategy.evaluate(flat(N));
    expect(out.signal).toBe(0);
    expect(out.warmingUp).toBeUndefined();
    expect(out.reason.length).toBeGreaterThan(0);
  });

  it('stays finite and within [-1, 1] on every fixture, with a reason carrying numbers', () => {
    const fixtures = [
      trendUp(N),
      trendDown(N),
      range(N),
      range(N, { endAt: 'top' }),
      range(N, { endAt: 'bottom' }),
      randomWalk(N, { seed: 5, vol: 0.08 }),
      randomWalk(1000, { seed: 6, vol: 0.01 }),
    ];
    for (const candles of fixtures) {
      const out = strategy.evaluate(candles);
      expect(Number.isFinite(out.signal)).toBe(true);
      expect(Math.abs(out.signal)).toBeLessThanOrEqual(1);
      expect(out.reason).toMatch(/\d/);
      expect(Object.is(out.signal, -0)).toBe(false);
    }
  });

  it('does not depend on the price scale (same shape at 1e-6 and at 1000 times the price)', () => {
    const base = randomWalk(N, { seed: 7, vol: 0.01 });
    const scaled = (k: number) => base.map((c) => ({ ...c, open: c.open * k, high: c.high * k, low: c.low * k, close: c.close * k }));
    const a = strategy.evaluate(scaled(1e-6)).signal;
    const b = strategy.evaluate(scaled(1000)).signal;
    expect(a).toBeCloseTo(strategy.evaluate(base).signal, 9);
    expect(b).toBeCloseTo(strategy.evaluate(base).signal, 9);
  });

  it('is deterministic', () => {
    const candles = range(N, { seed: 99 });
    expect(strategy.evaluate(candles)).toEqual(strategy.evaluate(candles));
  });
});

describe.each(TREND_FOLLOWERS)('trend follower %s', (name) => {
  it.each(TREND_SEEDS)('is positive on trend up and negative on trend down (seed %i)', (seed) => {
    expect(signalOf(name, trendUp(N, { seed }))).toBeGreaterThanOrEqual(0.2);
    expect(signalOf(name, trendDown(N, { seed }))).toBeLessThanOrEqual(-0.2);
  });
});

describe.each(FADERS)('fader %s', (name) => {
  it.each(TREND_SEEDS)('is negative on trend up and positive on trend down (seed %i)', (seed) => {
    expect(signalOf(name, trendUp(N, { seed }))).toBeLessThanOrEqual(-0.2);
    expect(signalOf(name, trendDown(N, { seed }))).toBeGreaterThanOrEqual(0.2);
  });
});

describe.each([...FADERS, ...LINE_FADERS])('mean reversion %s at the range extremes', (name) => {
  it.each(RANGE_SEEDS)('sells the range top and buys the range bottom (seed %i)', (seed) => {
    expect(signalOf(name, range(N, { seed, endAt: 'top' }))).toBeLessThanOrEqual(-0.25);
    expect(signalOf(name, range(N, { seed, endAt: 'bottom' }))).toBeGreaterThanOrEqual(0.25);
  });
});

describe.each(BREAKOUTS)('breakout %s', (name) => {
  it.each(TREND_SEEDS)('never trades against a steady trend (seed %i)', (seed) => {
    expect(signalOf(name, trendUp(N, { seed }))).toBeGreaterThanOrEqual(0);
    expect(signalOf(name, trendDown(N, { seed }))).toBeLessThanOrEqual(0);
  });
});
