/**
 * Artic's signal strategy library, used by the agent only (the hub needs just the names and
 * their on-chain index: src/shared/strategy-names.ts, re-exported here). Pure code: nothing runs
 * on import.
 *
 * Every strategy evaluates candles (oldest first) to `{signal, reason, warmingUp?}` where
 * `signal` is a conviction in [-1, 1] on one shared scale: 0 = no view, ≈0.5 = the strategy's
 * textbook entry condition is just met, 1 = extreme; act at |signal| >= 0.3
 * (`DEFAULT_SIGNAL_THRESHOLD`). The full scale is documented in ./types.ts.
 */
export type { SignalStream, Strategy, StrategyFamily, StrategyParamSpec, StrategyParams, StrategySignal } from './types.js';
export { DEFAULT_SIGNAL_THRESHOLD } from './types.js';
export {
  RESERVED_STRATEGY_INDEXES,
  STRATEGY_ALIASES,
  STRATEGY_INDEX,
  STRATEGY_NAMES,
  UNKNOWN_STRATEGY_INDEX,
  UnknownStrategyError,
  isStrategyName,
  resolveStrategyName,
  strategyIndex,
  strategyNameFromIndex,
} from '../../shared/strategy-names.js';
export type { StrategyName } from '../../shared/strategy-names.js';
export { STRATEGIES, evaluateStrategy, getStrategy, strategyFromIndex } from './registry.js';
export { adx, atr, directionalMovement } from './measures.js';
export type { DirectionalMovement } from './measures.js';
export { OWN_INDICATORS, closeLocation, kalmanFairValue, realizedVolatility, regressionChannel } from './indicators.js';
export type { OwnIndicatorName } from './indicators.js';
export { PLANNER_MIN_CANDLES, rulesPlanner } from './rules-planner.js';
export type { MarketRegime, RulesPlan } from './rules-planner.js';
