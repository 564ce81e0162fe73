/**
 * Types shared by every signal strategy.
 *
 * ## The signal scale (one scale for all strategies)
 * `signal` is a conviction in [-1, 1]: the sign is the direction (positive = bullish, go or stay
 * long; negative = bearish), the magnitude is how strongly the strategy's own rule fires.
 * Every strategy maps its raw statistic onto the same anchors, so one threshold means the same
 * thing everywhere:
 *
 * | |signal|   | meaning                                                                   |
 * |------------|---------------------------------------------------------------------------|
 * | 0          | no view (also: warming up, no price movement, missing volume)              |
 * | < 0.3      | weak lean; treat as noise                                                  |
 * | ≈ 0.5      | the strategy's textbook entry condition is just met (RSI at 30/70, a close |
 * |            | on a 2σ band, a 2σ momentum move, a fresh channel break, ADX 25, …)         |
 * | ≥ 0.7      | strong: the condition is clearly exceeded                                  |
 * | 1          | extreme (about twice the textbook trigger, or an unambiguous event); clamped |
 *
 * The recommended action threshold is `DEFAULT_SIGNAL_THRESHOLD` (0.3): act when
 * `|signal| >= 0.3`. Price distances are measured in ATR(14) or in standard deviations, never in
 * raw price units, so the scale does not depend on the asset's price (BTC at 60 000 and a token
 * at 0.02 give the same signal for the same shape).
 */
import type { Candle } from '../../shared/market.js';

/** Recommended |signal| at or above which a trader should act (see the scale above). */
export const DEFAULT_SIGNAL_THRESHOLD = 0.3;

/** Output of one strategy evaluation. */
export interface StrategySignal {
  /** Conviction in [-1, 1] on the shared scale (module header); always finite. */
  signal: number;
  /**
   * Human-readable, concise explanation that includes the key numbers. A stream's signals format
   * it when first read (a backtest reads few); `evaluate` returns plain objects.
   */
  reason: string;
  /** True when there were too few candles; `signal` is then 0. */
  warmingUp?: boolean;
}

/**
 * Strategy families, used by the rules planner to pick a strategy for a market regime.
 * - `trend`: follows the direction of the move (positive in an uptrend).
 * - `mean_reversion`: fades extremes (negative at the top of a range).
 * - `breakout`: acts on range or volatility expansion, in the direction of the break.
 */
export type StrategyFamily = 'trend' | 'mean_reversion' | 'breakout';

/** One tunable numeric parameter. Values outside [min, max] are clamped when resolved. */
export interface StrategyParamSpec {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** Rounded to the nearest integer when resolved (periods, bar counts). */
  readonly integer: boolean;
  readonly description: string;
}

/** Parameter values by name (e.g. `{ lookback: 20 }`). */
export type StrategyParams = Readonly<Record<string, number>>;

/**
 * One strategy with fixed parameters, evaluated incrementally: candles are pushed oldest first,
 * each once, and every push costs O(1) or O(lookback) without re-reading the past. The signal at
 * a candle is the one `evaluate` gives on the candles pushed so far (recursive smoothing starts at
 * the first candle pushed; see `Strategy.evaluate`).
 */
export interface SignalStream {
  /** Candles pushed (or advanced) so far. */
  readonly length: number;
  /** Feeds the next candle and returns the signal at it (warming up until enough candles). */
  push(candle: Candle): StrategySignal;
  /** Feeds the next candle without computing its signal (catching up on history). */
  advance(candle: Candle): void;
}

/**
 * A signal strategy over candles (oldest first). Strategies are pure and stateless; a stream is
 * the state of one evaluation.
 */
export interface Strategy<Name extends string = string> {
  /** Stable snake_case id; also the key of `STRATEGY_INDEX`. */
  readonly name: Name;
  /** Short title for people ("EMA crossover"). */
  readonly label: string;
  /** One or two sentences on what the strategy does and how it maps to the scale. */
  readonly description: string;
  readonly family: StrategyFamily;
  /**
   * Tunable parameters with defaults. Most strategies have `lookback` (bars), which the planner
   * may override; strategies with fixed textbook periods (MACD, Ichimoku, SuperTrend, ADX, ATR
   * breakout) have no `lookback` and ignore one when passed.
   */
  readonly params: Readonly<Record<string, StrategyParamSpec>>;
  /** Candles needed with the default parameters (warm-up). */
  readonly minCandles: number;
  /** Candles needed with the given parameters (after clamping). */
  requiredCandles(params?: Partial<StrategyParams>): number;
  /**
   * The most candles `evaluate` reads with these parameters (at least `requiredCandles`): older
   * ones take no part in window statistics, and weigh less than e^-20 in recursive smoothing
   * (`SMOOTHING_MEMORY` periods), so a result does not depend on how many candles the caller holds.
   */
  historyCandles(params?: Partial<StrategyParams>): number;
  /**
   * Evaluate on `candles` (oldest first): a fresh `stream(params)` fed the last
   * `historyCandles(params)` of them, so a live evaluation and a backtest's stream run the same
   * code. Unknown parameter names are ignored; out-of-range values are clamped and non-finite
   * ones fall back to the default. Never throws on market data; with too few candles returns
   * `{signal: 0, warmingUp: true}`. Recursive smoothing (EMA, Wilder) starts at the first candle
   * fed, where a stream running since earlier differs by the weight of the bars before (on the
   * agent's 250 candles, below 1e-6 of the signal for the default periods).
   */
  evaluate(candles: readonly Candle[], params?: Partial<StrategyParams>): StrategySignal;
  /** A fresh incremental evaluator with these parameters (resolved as in `evaluate`). */
  stream(params?: Partial<StrategyParams>): SignalStream;
}
