import { describe, expect, it } from 'vitest';
import {
  RESERVED_STRATEGY_INDEXES,
  STRATEGIES,
  STRATEGY_INDEX,
  STRATEGY_NAMES,
  UNKNOWN_STRATEGY_INDEX,
  UnknownStrategyError,
  getStrategy,
  isStrategyName,
  resolveStrategyName,
  strategyFromIndex,
  strategyIndex,
  strategyNameFromIndex,
} from '../../../src/engine/strategies/index.js';
import { evaluateStrategy } from '../../../src/engine/strategies/registry.js';
import { trendUp } from '../../fixtures/candles.js';

/** The original Artic's on-chain table (`STRATEGY_INDEX` in its `app/onchain_logger.py`), for the names it shares with ours. */
const ORIGINAL_INDEX: Record<string, number> = {
  simple_momentum: 0,
  dual_momentum: 1,
  z_score: 2,
  bollinger_reversion: 3,
  rsi_signal: 4,
  stochastic_signal: 5,
  ma_crossover: 6,
  ema_crossover: 7,
  macd_signal: 8,
  atr_breakout: 9,
  supertrend: 10,
  breakout: 11,
  donchian_channel: 12,
  keltner_bollinger: 13,
  linear_regression_channel: 14,
  kalman_fair_value: 15,
  vwap_reversion: 17,
  ichimoku: 28,
};

describe('strategy registry', () => {
  it('holds at least the 23 original signal strategies, in STRATEGY_NAMES order', () => {
    expect(STRATEGIES.length).toBeGreaterThanOrEqual(23);
    expect(STRATEGIES.map((s) => s.name)).toEqual([...STRATEGY_NAMES]);
    expect(new Set(STRATEGY_NAMES).size).toBe(STRATEGY_NAMES.length);
  });

  it('getStrategy returns the named strategy and accepts loose spellings and the original aliases', () => {
    for (const name of STRATEGY_NAMES) expect(getStrategy(name).name).toBe(name);
    expect(getStrategy('  EMA_Crossover ').name).toBe('ema_crossover');
    expect(getStrategy('bollinger-reversion').name).toBe('bollinger_reversion');
    expect(getStrategy('simple_momentum').name).toBe('momentum');
    expect(getStrategy('ichimoku').name).toBe('ichimoku_signal');
    expect(getStrategy('vwap_reversion').name).toBe('vwap_deviation');
    expect(resolveStrategyName('funding_oi_filter')).toBeUndefined();
  });

  it('getStrategy throws a typed UnknownStrategyError instead of falling back to momentum', () => {
    let caught: unknown;
    try {
      getStrategy('funding_oi_filter');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UnknownStrategyError);
    expect((caught as UnknownStrategyError).name).toBe('UnknownStrategyError');
    expect((caught as UnknownStrategyError).requested).toBe('funding_oi_filter');
    expect((caught as Error).message).toContain('funding_oi_filter');
    expect(() => evaluateStrategy('nope', trendUp(100))).toThrow(UnknownStrategyError);
  });

  it('isStrategyName is a strict type guard', () => {
    expect(isStrategyName('momentum')).toBe(true);
    expect(isStrategyName('Momentum')).toBe(false);
    expect(isStrategyName(' momentum')).toBe(false);
    expect(isStrategyName('simple_momentum')).toBe(false);
    expect(isStrategyName(3)).toBe(false);
    expect(isStrategyName(undefined)).toBe(false);
  });

  it('evaluateStrategy is getStrategy(name).evaluate', () => {
    const candles = trendUp(120);
    expect(evaluateStrategy('RSI', candles, { lookback: 7 })).toEqual(getStrategy('rsi_signal').evaluate(candles, { lookback: 7 }));
  });
});

describe('STRATEGY_INDEX', () => {
  const entries = Object.entries(STRATEGY_INDEX);

  it('indexes every strategy and nothing else', () => {
    expect(entries.map(([n]) => n).sort()).toEqual([...STRATEGY_NAMES].sort());
  });

  it('is a set of unique uint8 values below 255, avoiding the reserved ones', () => {
    const values = entries.map(([, i]) => i);
    expect(new Set(values).size).toBe(values.length);
    for (const v of values) {
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(256);
      expect(v).not.toBe(UNKNOWN_STRATEGY_INDEX);
      expect(RESERVED_STRATEGY_INDEXES).not.toContain(v);
    }
  });

  it('keeps the original numbers, mapping the original aliases onto our names', () => {
    for (const [original, index] of Object.entries(ORIGINAL_INDEX)) {
      const ours = resolveStrategyName(original);
      expect(ours, original).toBeDefined();
      expect(STRATEGY_INDEX[ours!], original).toBe(index);
    }
  });

  it('round-trips name → index → strategy', () => {
    for (const name of STRATEGY_NAMES) {
      expect(strategyFromIndex(strategyIndex(name)).name).toBe(name);
      expect(strategyNameFromIndex(STRATEGY_INDEX[name])).toBe(name);
    }
  });

  it('rejects unassigned indexes', () => {
    for (const i of [16, 29, 254, 255, 256, -1, 1.5]) {
      expect(() => strategyFromIndex(i)).toThrow(UnknownStrategyError);
    }
  });
});
