/**
 * Indicator math that `trading-signals` does not provide, written here and listed in
 * `OWN_INDICATORS`. Everything else (SMA, EMA, RSI, MACD, Bollinger, ATR, ADX/DI, stochastic,
 * Donchian, Keltner, SuperTrend, Ichimoku, OBV, linear-regression fit) comes from
 * `trading-signals` and is not re-derived (its VWAP is anchored; the rolling one is here).
 *
 * All functions are pure and allocate nothing but their result, so the strategies' streams call
 * them on their sliding windows at every bar. Prices are in quote currency; returns are fractions
 * (0.01 = 1 %).
 */
import { getAverage, getLinearRegression } from 'trading-signals';
import type { Candle } from '../../shared/market.js';

/** Names of the indicators whose math lives in this file (cited by the README). */
export const OWN_INDICATORS = [
  'realized_volatility',
  'kalman_fair_value',
  'linear_regression_residual_std',
  'close_location_value',
  'obv_flow_ratio',
  'rolling_vwap',
  'vwap_std_bands',
] as const;
export type OwnIndicatorName = (typeof OWN_INDICATORS)[number];

/** The last `n` closes (all of them when `n` is omitted), oldest first. */
export function closesOf(candles: readonly Candle[], n?: number): number[] {
  const from = n === undefined ? 0 : Math.max(0, candles.length - n);
  const out: number[] = [];
  for (let i = from; i < candles.length; i++) out.push(candles[i].close);
  return out;
}

/**
 * Population standard deviation of `values` (0 for fewer than 2 values), around `mean` when
 * given. The same arithmetic, in the same order, as `trading-signals`' `getStandardDeviation`,
 * without its two temporary arrays.
 */
export function stdDev(values: readonly number[], mean = getAverage(values as number[])): number {
  const n = values.length;
  if (n < 2) return 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / n);
}

/** Log return from close `prev` to close `cur`; NaN unless both are positive. */
export function logReturn(prev: number, cur: number): number {
  return prev > 0 && cur > 0 ? Math.log(cur / prev) : Number.NaN;
}

/**
 * Realized volatility: population standard deviation of the last `n` log close-to-close returns,
 * **per bar** (not annualized; multiply by `sqrt(bars per year)` to annualize). Needs `n + 1`
 * candles and `n >= 2`; returns `undefined` otherwise (also on a non-positive close). 0 on a flat
 * series. Streams keep the returns in a window and take `stdDev` of it (NaN for a bad close).
 */
export function realizedVolatility(candles: readonly Candle[], n: number): number | undefined {
  if (!Number.isInteger(n) || n < 2 || candles.length < n + 1) return undefined;
  const returns: number[] = [];
  for (let i = candles.length - n; i < candles.length; i++) {
    const r = logReturn(candles[i - 1].close, candles[i].close);
    if (Number.isNaN(r)) return undefined;
    returns.push(r);
  }
  return stdDev(returns);
}

export interface KalmanFairValue {
  /** Filtered level after the last observation. */
  level: number;
  /** Predicted level before the last observation (the "fair value" the last price is judged by). */
  priorLevel: number;
  /** Last observation minus `priorLevel`. */
  innovation: number;
  /** Standard deviation of the innovation (sqrt of prior variance + measurement variance). */
  innovationStd: number;
}

/**
 * One-dimensional Kalman filter for a local-level model (`level_t = level_{t-1} + w`,
 * `price_t = level_t + v`). Noise variances are estimated from the data so the result does not
 * depend on the price scale (the original used fixed 0.01/0.1, meaningless at BTC prices):
 * with `q = processToMeasurementRatio * r`, the variance of first differences is `q + 2r`.
 * Returns `undefined` for fewer than 3 values; `innovationStd` is 0 on a flat series.
 */
export function kalmanFairValue(values: readonly number[], processToMeasurementRatio = 0.1): KalmanFairValue | undefined {
  if (values.length < 3) return undefined;
  const r = differenceVariance(values) / (processToMeasurementRatio + 2);
  const q = processToMeasurementRatio * r;
  let level = values[0];
  let variance = r;
  let priorLevel = level;
  let priorVariance = variance;
  for (let i = 1; i < values.length; i++) {
    priorLevel = level;
    priorVariance = variance + q;
    const denom = priorVariance + r;
    const gain = denom === 0 ? 0 : priorVariance / denom;
    level = priorLevel + gain * (values[i] - priorLevel);
    variance = (1 - gain) * priorVariance;
  }
  const last = values[values.length - 1];
  return { level, priorLevel, innovation: last - priorLevel, innovationStd: Math.sqrt(priorVariance + r) };
}

/** Population variance of the first differences of `values` (at least 2 values). */
function differenceVariance(values: readonly number[]): number {
  const n = values.length - 1;
  const mean = (values[n] - values[0]) / n;
  let ss = 0;
  for (let i = 1; i <= n; i++) {
    const d = values[i] - values[i - 1] - mean;
    ss += d * d;
  }
  return ss / n;
}

export interface RegressionChannel {
  /** Slope per bar, in price units. */
  slope: number;
  /** Fitted value at the last bar. */
  fitted: number;
  /** Population standard deviation of the residuals (price units). */
  residualStd: number;
}

/**
 * Least-squares line through `values` (x = 0..n-1; fit from `trading-signals`'
 * `getLinearRegression`) plus the residual standard deviation, which is ours.
 * Returns `undefined` for fewer than 3 values.
 */
export function regressionChannel(values: readonly number[]): RegressionChannel | undefined {
  const n = values.length;
  if (n < 3) return undefined;
  const { slope, intercept } = getLinearRegression(values);
  let ss = 0;
  for (let x = 0; x < n; x++) {
    const e = values[x] - (intercept + slope * x);
    ss += e * e;
  }
  return { slope, fitted: intercept + slope * (n - 1), residualStd: Math.sqrt(ss / n) };
}

/**
 * Close location value of one candle: -1 when it closes on its low, +1 on its high, 0 in the
 * middle or when the candle has no range.
 */
export function closeLocation(candle: Candle): number {
  const range = candle.high - candle.low;
  if (!(range > 0)) return 0;
  return (2 * candle.close - candle.high - candle.low) / range;
}

/**
 * Rolling VWAP: the volume-weighted mean typical price ((high + low + close) / 3) of `candles`,
 * accumulated in the order of `trading-signals`' anchored VWAP. Bars without volume are ignored;
 * `undefined` when no volume traded.
 */
export function rollingVwap(candles: readonly Candle[]): number | undefined {
  let weighted = 0;
  let volume = 0;
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i];
    if (!(c.volume > 0)) continue;
    weighted += ((c.high + c.low + c.close) / 3) * c.volume;
    volume += c.volume;
  }
  return volume > 0 ? weighted / volume : undefined;
}

/**
 * Volume-weighted standard deviation of the typical price ((high + low + close) / 3) around
 * `vwap` over `candles`: the σ of the textbook VWAP bands. Bars without volume are ignored;
 * `undefined` when no volume traded.
 */
export function vwapStdDev(candles: readonly Candle[], vwap: number): number | undefined {
  let weighted = 0;
  let volume = 0;
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i];
    if (!(c.volume > 0)) continue;
    const d = (c.high + c.low + c.close) / 3 - vwap;
    weighted += c.volume * d * d;
    volume += c.volume;
  }
  return volume > 0 ? Math.sqrt(weighted / volume) : undefined;
}

/**
 * OBV flow ratio over the last `n` bars: change of on-balance volume divided by the total volume
 * traded, in [-1, 1] (+1 when every bar closed up). `undefined` with fewer than `n + 1` candles
 * or no volume. The OBV itself is `trading-signals`' (see the obv_trend strategy); this ratio is
 * what makes it comparable across assets.
 */
export function obvFlowRatio(obvChange: number, totalVolume: number): number | undefined {
  if (!(totalVolume > 0)) return undefined;
  return obvChange / totalVolume;
}
