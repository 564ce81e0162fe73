/**
 * Strategy names and their stable on-chain index (uint8): the part of the strategy library the
 * hub needs (the broker resolves a decision's strategy and logs its index on chain). Kept free of
 * indicator code, so the hub never loads `trading-signals`; the strategies themselves live in
 * src/engine/strategies.
 *
 * Index policy:
 * - Names that exist in the original Artic's `STRATEGY_INDEX` keep its number. Three dispatcher
 *   names differed from that table, so the original logged them as 255; they now take the number
 *   of the entry they meant: `momentum` → 0 (was `simple_momentum`), `vwap_deviation` → 17 (was
 *   `vwap_reversion`), `ichimoku_signal` → 28 (was `ichimoku`).
 * - Strategies the original dispatched but never indexed get new numbers from 31 up:
 *   `trend_following` 31, `mean_reversion` 32, `range_sr` 33, `bollinger_squeeze` 34,
 *   `adx_filter` 35, `obv_trend` 36.
 * - Numbers the original gave to strategies that never existed (16, 18–27, 29, 30) are reserved
 *   and never reused, so old logs cannot be misread. 255 means "unknown / LLM auto".
 * - An index is never changed or reused once released; new strategies take the next free number.
 */

/** Every strategy name, in registry order. */
export const STRATEGY_NAMES = [
  'momentum',
  'dual_momentum',
  'breakout',
  'donchian_channel',
  'ma_crossover',
  'ema_crossover',
  'macd_signal',
  'z_score',
  'bollinger_reversion',
  'rsi_signal',
  'range_sr',
  'bollinger_squeeze',
  'linear_regression_channel',
  'kalman_fair_value',
  'trend_following',
  'mean_reversion',
  'adx_filter',
  'supertrend',
  'ichimoku_signal',
  'stochastic_signal',
  'atr_breakout',
  'keltner_bollinger',
  'vwap_deviation',
  'obv_trend',
] as const;

export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** Stable uint8 index of each strategy for on-chain logging (policy in the module header). */
export const STRATEGY_INDEX: Readonly<Record<StrategyName, number>> = Object.freeze({
  momentum: 0,
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
  vwap_deviation: 17,
  ichimoku_signal: 28,
  trend_following: 31,
  mean_reversion: 32,
  range_sr: 33,
  bollinger_squeeze: 34,
  adx_filter: 35,
  obv_trend: 36,
});

/** Index logged when the strategy is unknown or chosen by the LLM at run time. */
export const UNKNOWN_STRATEGY_INDEX = 255;

/** Indexes the original assigned to strategies that never existed; never reuse them. */
export const RESERVED_STRATEGY_INDEXES: readonly number[] = Object.freeze([16, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 29, 30]);

/**
 * Spellings accepted from the original and from LLM output, mapped to our names. Keys are
 * lowercase snake_case.
 */
export const STRATEGY_ALIASES: Readonly<Record<string, StrategyName>> = Object.freeze({
  simple_momentum: 'momentum',
  ichimoku: 'ichimoku_signal',
  vwap_reversion: 'vwap_deviation',
  rsi: 'rsi_signal',
  stochastic: 'stochastic_signal',
  macd: 'macd_signal',
  donchian: 'donchian_channel',
  sma_crossover: 'ma_crossover',
});

const NAME_SET: ReadonlySet<string> = new Set(STRATEGY_NAMES);

const BY_INDEX: ReadonlyMap<number, StrategyName> = new Map(
  (Object.entries(STRATEGY_INDEX) as [StrategyName, number][]).map(([name, i]) => [i, name]),
);

/** Thrown for a strategy name or index that is not in the registry. */
export class UnknownStrategyError extends Error {
  override readonly name = 'UnknownStrategyError';
  constructor(
    /** The name or index asked for. */
    readonly requested: string | number,
  ) {
    super(`unknown strategy: ${JSON.stringify(requested)} (known: ${STRATEGY_NAMES.join(', ')})`);
  }
}

/** True when `name` is exactly one of `STRATEGY_NAMES` (no trimming, no aliases). */
export function isStrategyName(name: unknown): name is StrategyName {
  return typeof name === 'string' && NAME_SET.has(name);
}

/**
 * Canonical name for loose input (LLM output, old configs): trims, lowercases, turns spaces and
 * dashes into underscores and applies `STRATEGY_ALIASES`. Returns `undefined` when unknown;
 * never falls back to another strategy (the original silently used momentum).
 */
export function resolveStrategyName(input: string): StrategyName | undefined {
  const key = input
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (isStrategyName(key)) return key;
  return STRATEGY_ALIASES[key];
}

/** On-chain index of `name` (policy in the module header). */
export function strategyIndex(name: StrategyName): number {
  return STRATEGY_INDEX[name];
}

/** Name for an on-chain index; throws `UnknownStrategyError` for an unassigned index. */
export function strategyNameFromIndex(index: number): StrategyName {
  const name = BY_INDEX.get(index);
  if (!name) throw new UnknownStrategyError(index);
  return name;
}
