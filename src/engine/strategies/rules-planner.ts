/**
 * Deterministic rules planner: reads the market regime from candles and picks a strategy, the
 * way the original's shortlist heuristics did, without an LLM. Used when no LLM is configured and
 * as the fallback when the LLM's plan is invalid.
 *
 * Regimes, checked in this order:
 * 1. `volatile`: recent volatility (20 bars) at least 1.5× its baseline (up to 200 bars) →
 *    breakout family (`breakout` when ADX > 25, else `atr_breakout`), higher threshold 0.5.
 * 2. `trending`: ADX(14) > 25 → `trend_following`.
 * 3. `ranging`: otherwise → `bollinger_reversion`.
 * With fewer than `PLANNER_MIN_CANDLES` candles the regime is `unknown` and the plan is the
 * original's default (`momentum`, lookback 10).
 */
import type { Candle } from '../../shared/market.js';
import { fmt } from './define-strategy.js';
import { realizedVolatility } from './indicators.js';
import { adx } from './measures.js';
import type { StrategyName } from '../../shared/strategy-names.js';
import { DEFAULT_SIGNAL_THRESHOLD } from './types.js';

export type MarketRegime = 'trending' | 'ranging' | 'volatile' | 'unknown';

export interface RulesPlan {
  strategy: StrategyName;
  /** Bars; pass as the strategy's `lookback` (strategies without one ignore it). */
  lookback: number;
  /** |signal| needed to act, on the shared scale (see types.ts). */
  threshold: number;
  regime: MarketRegime;
  /** One line with the numbers that decided the plan. */
  reason: string;
}

/** Candles needed to classify the regime. */
export const PLANNER_MIN_CANDLES = 60;
/** ADX above this is trending. */
export const TRENDING_ADX = 25;
/** Recent/baseline volatility ratio at or above this is volatile. */
export const VOLATILE_RATIO = 1.5;
const RECENT_VOL_BARS = 20;
const BASELINE_VOL_BARS = 200;

/** Pick a strategy for the regime the candles show (see the module header for the rules). */
export function rulesPlanner(candles: readonly Candle[]): RulesPlan {
  if (candles.length < PLANNER_MIN_CANDLES) {
    return {
      strategy: 'momentum',
      lookback: 10,
      threshold: DEFAULT_SIGNAL_THRESHOLD,
      regime: 'unknown',
      reason: `only ${candles.length} candles (need ${PLANNER_MIN_CANDLES} for a regime): default momentum`,
    };
  }
  const trend = adx(candles, 14) ?? 0;
  const recent = realizedVolatility(candles, RECENT_VOL_BARS) ?? 0;
  const baseline = realizedVolatility(candles, Math.min(BASELINE_VOL_BARS, candles.length - 1)) ?? 0;
  const ratio = baseline > 0 ? recent / baseline : 1;
  const numbers = `ADX ${fmt(trend, 3)}, volatility ${fmt(recent * 100, 3)}%/bar = ×${fmt(ratio, 3)} baseline`;

  if (ratio >= VOLATILE_RATIO) {
    const trending = trend > TRENDING_ADX;
    return {
      strategy: trending ? 'breakout' : 'atr_breakout',
      lookback: trending ? 20 : 14,
      threshold: 0.5,
      regime: 'volatile',
      reason: `volatile (${numbers}): ${trending ? 'trend breakout' : 'ATR breakout'}`,
    };
  }
  if (trend > TRENDING_ADX) {
    return {
      strategy: 'trend_following',
      lookback: 20,
      threshold: DEFAULT_SIGNAL_THRESHOLD,
      regime: 'trending',
      reason: `trending (${numbers}): trend following`,
    };
  }
  return {
    strategy: 'bollinger_reversion',
    lookback: 20,
    threshold: DEFAULT_SIGNAL_THRESHOLD,
    regime: 'ranging',
    reason: `ranging (${numbers}): Bollinger reversion`,
  };
}
