import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SIGNAL_THRESHOLD,
  PLANNER_MIN_CANDLES,
  getStrategy,
  isStrategyName,
  rulesPlanner,
} from '../../../src/engine/strategies/index.js';
import type { Candle } from '../../../src/shared/market.js';
import { flat, randomWalk, range, trendDown, trendUp } from '../../fixtures/candles.js';

/** Calm random walk followed by a much wilder stretch (4× the volatility). */
function volatileTail(drift = 0): Candle[] {
  const calm = randomWalk(250, { seed: 3, vol: 0.005 });
  const last = calm[calm.length - 1];
  const wild = randomWalk(30, { seed: 4, vol: 0.02, drift, start: last.close, startTime: last.openTime + 3_600_000 });
  return [...calm, ...wild];
}

describe('rulesPlanner', () => {
  it('picks trend following in a trend', () => {
    for (const candles of [trendUp(300), trendDown(300)]) {
      const plan = rulesPlanner(candles);
      expect(plan).toMatchObject({ strategy: 'trend_following', regime: 'trending', lookback: 20, threshold: DEFAULT_SIGNAL_THRESHOLD });
      expect(getStrategy(plan.strategy).family).toBe('trend');
      expect(plan.reason).toMatch(/^trending \(ADX [\d.]+,/);
    }
  });

  it('picks mean reversion in a range', () => {
    const plan = rulesPlanner(range(300));
    expect(plan).toMatchObject({ strategy: 'bollinger_reversion', regime: 'ranging' });
    expect(getStrategy(plan.strategy).family).toBe('mean_reversion');
  });

  it('picks the breakout family when volatility expands', () => {
    const plan = rulesPlanner(volatileTail());
    expect(plan.regime).toBe('volatile');
    expect(getStrategy(plan.strategy).family).toBe('breakout');
    expect(plan.threshold).toBeGreaterThan(DEFAULT_SIGNAL_THRESHOLD);
    expect(plan.reason).toMatch(/×[\d.]+ baseline/);
  });

  it('falls back to the default momentum plan with too few candles', () => {
    const plan = rulesPlanner(trendUp(PLANNER_MIN_CANDLES - 1));
    expect(plan).toMatchObject({ strategy: 'momentum', lookback: 10, regime: 'unknown' });
    expect(plan.reason).toContain(`need ${PLANNER_MIN_CANDLES}`);
  });

  it('treats a flat market as ranging, always names a registered strategy, and is deterministic', () => {
    expect(rulesPlanner(flat(100)).regime).toBe('ranging');
    for (const candles of [trendUp(300), range(300), volatileTail(0.01), flat(100), randomWalk(500, { seed: 9 })]) {
      const plan = rulesPlanner(candles);
      expect(isStrategyName(plan.strategy)).toBe(true);
      expect(rulesPlanner(candles)).toEqual(plan);
      expect(getStrategy(plan.strategy).evaluate(candles, { lookback: plan.lookback }).warmingUp).toBeUndefined();
    }
  });
});
