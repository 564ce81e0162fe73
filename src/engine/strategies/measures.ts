/**
 * Market measures the engine and the rules planner need (ATR for dynamic TP/SL, ADX for the
 * regime), thin wrappers over `trading-signals` with Wilder smoothing. All take candles oldest
 * first and return the value at the last candle, or `undefined` with too few candles.
 */
import { ADX, ATR } from 'trading-signals';
import type { Candle } from '../../shared/market.js';

/**
 * Recursive indicators (EMA, Wilder smoothing) are fed only the last `SMOOTHING_MEMORY × period`
 * bars: older bars weigh less than e^-20 there, and results then do not depend on how many
 * candles the caller happens to hold (and stay fast on long histories).
 */
export const SMOOTHING_MEMORY = 20;

/** First index to feed a recursive indicator of `period` over `length` bars. */
export function smoothingStart(length: number, period: number): number {
  return Math.max(0, length - SMOOTHING_MEMORY * period);
}

/**
 * Average true range (Wilder) at the last candle, in quote currency. Needs `period` candles.
 * The engine's dynamic stop loss is `2 × atr(candles, 14)`.
 */
export function atr(candles: readonly Candle[], period = 14): number | undefined {
  if (!Number.isInteger(period) || period < 1 || candles.length < period) return undefined;
  const ind = new ATR(period);
  let last: number | null = null;
  for (let i = smoothingStart(candles.length, period); i < candles.length; i++) last = ind.update(candles[i], false);
  return last ?? undefined;
}

export interface DirectionalMovement {
  /** Average directional index, 0..100 (above 25 is the usual "trending" line). */
  adx: number;
  /** +DI, 0..100. */
  plusDi: number;
  /** −DI, 0..100. */
  minusDi: number;
}

/**
 * ADX with +DI/−DI (Wilder) at the last candle. Needs `2 × period` candles. A flat series (no
 * true range at all) gives all zeros. Leading bars without any true range are skipped first:
 * the library divides by a zero ATR there and the NaN would otherwise stick forever.
 */
export function directionalMovement(candles: readonly Candle[], period = 14): DirectionalMovement | undefined {
  if (!Number.isInteger(period) || period < 2 || candles.length < 2 * period) return undefined;
  const start = Math.max(firstMovingIndex(candles), smoothingStart(candles.length, period));
  const ind = new ADX(period);
  let last: number | null = null;
  for (let i = start; i < candles.length; i++) last = ind.update(candles[i], false);
  const pdi = ind.pdi;
  const mdi = ind.mdi;
  if (last === null || !Number.isFinite(last) || typeof pdi !== 'number' || typeof mdi !== 'number') {
    return { adx: 0, plusDi: 0, minusDi: 0 };
  }
  return { adx: last, plusDi: pdi * 100, minusDi: mdi * 100 };
}

/** Index from which the series has true range (keeping one flat bar before it as reference). */
function firstMovingIndex(candles: readonly Candle[]): number {
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i];
    const moved = c.high > c.low || (i > 0 && c.close !== candles[i - 1].close);
    if (moved) return Math.max(0, i - 1);
  }
  return candles.length;
}

/** ADX (0..100) at the last candle, or `undefined` with fewer than `2 × period` candles. */
export function adx(candles: readonly Candle[], period = 14): number | undefined {
  return directionalMovement(candles, period)?.adx;
}
