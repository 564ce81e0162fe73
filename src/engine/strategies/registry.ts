/**
 * The strategy registry: every strategy by name, in `STRATEGY_NAMES` order, and look-ups by name
 * and by on-chain index.
 */
import type { Candle } from '../../shared/market.js';
import { STRATEGY_NAMES, UnknownStrategyError, resolveStrategyName, strategyNameFromIndex } from '../../shared/strategy-names.js';
import type { StrategyName } from '../../shared/strategy-names.js';
import { breakout, donchianChannel, rangeSr } from './signals/channels.js';
import { adxFilter, ichimokuSignal, supertrend } from './signals/directional.js';
import { dualMomentum, momentum, trendFollowing } from './signals/momentum.js';
import { emaCrossover, maCrossover, macdSignal } from './signals/moving-averages.js';
import { rsiSignal, stochasticSignal } from './signals/oscillators.js';
import { bollingerReversion, keltnerBollinger, meanReversion, zScore } from './signals/reversion.js';
import { kalmanFairValueStrategy, linearRegressionChannel } from './signals/statistical.js';
import { atrBreakout, bollingerSqueeze } from './signals/volatility.js';
import { obvTrend, vwapDeviation } from './signals/volume.js';
import type { Strategy, StrategyParams, StrategySignal } from './types.js';

const BY_NAME: { readonly [N in StrategyName]: Strategy<N> } = {
  momentum,
  dual_momentum: dualMomentum,
  breakout,
  donchian_channel: donchianChannel,
  ma_crossover: maCrossover,
  ema_crossover: emaCrossover,
  macd_signal: macdSignal,
  z_score: zScore,
  bollinger_reversion: bollingerReversion,
  rsi_signal: rsiSignal,
  range_sr: rangeSr,
  bollinger_squeeze: bollingerSqueeze,
  linear_regression_channel: linearRegressionChannel,
  kalman_fair_value: kalmanFairValueStrategy,
  trend_following: trendFollowing,
  mean_reversion: meanReversion,
  adx_filter: adxFilter,
  supertrend,
  ichimoku_signal: ichimokuSignal,
  stochastic_signal: stochasticSignal,
  atr_breakout: atrBreakout,
  keltner_bollinger: keltnerBollinger,
  vwap_deviation: vwapDeviation,
  obv_trend: obvTrend,
};

/** Every strategy, in `STRATEGY_NAMES` order. */
export const STRATEGIES: readonly Strategy<StrategyName>[] = Object.freeze(STRATEGY_NAMES.map((n) => BY_NAME[n]));

/**
 * The strategy called `name`. Accepts loose spellings through `resolveStrategyName` (case,
 * spaces, dashes, the original's aliases); throws `UnknownStrategyError` otherwise.
 */
export function getStrategy(name: string): Strategy<StrategyName> {
  const resolved = resolveStrategyName(name);
  if (!resolved) throw new UnknownStrategyError(name);
  return BY_NAME[resolved];
}

/** The strategy logged on chain as `index`; throws `UnknownStrategyError` if unassigned. */
export function strategyFromIndex(index: number): Strategy<StrategyName> {
  return BY_NAME[strategyNameFromIndex(index)];
}

/** Convenience: `getStrategy(name).evaluate(candles, params)`. */
export function evaluateStrategy(name: string, candles: readonly Candle[], params?: Partial<StrategyParams>): StrategySignal {
  return getStrategy(name).evaluate(candles, params);
}
