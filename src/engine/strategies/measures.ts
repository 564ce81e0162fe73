/**
 * Market measures the engine and the rules planner need (ATR for dynamic TP/SL, ADX for the
 * regime), over `trading-signals` with Wilder smoothing. Each exists once, as a stream fed one
 * candle at a time (what the strategies' streams keep); the array forms (`atr`, `adx`,
 * `directionalMovement`, for the planner, the supervisor and dynamic TP/SL) feed a fresh stream
 * the recent candles and return the value at the last one, or `undefined` with too few candles.
 */
import { ADX, ATR } from 'trading-signals';
import type { Candle } from '../../shared/market.js';

/**
 * Recursive indicators (EMA, Wilder smoothing) evaluated on an array are fed only the last
 * `SMOOTHING_MEMORY × period` bars (the array forms here, and strategies' `evaluate` through their
 * `memory`): older bars weigh less than e^-20 there, and results then do not depend on how many
 * candles the caller happens to hold (and stay fast on long histories).
 */
export const SMOOTHING_MEMORY = 20;

/** Bars that still weigh in a recursive indicator of `period` (strategies' `memory`). */
export function smoothingMemory(period: number): number {
  return SMOOTHING_MEMORY * period;
}

/** First index to feed a recursive indicator of `period` over `length` bars. */
export function smoothingStart(length: number, period: number): number {
  return Math.max(0, length - smoothingMemory(period));
}

/** Wilder ATR fed one candle at a time. */
export interface AtrStream {
  update(candle: Candle): void;
  /** ATR at the last candle fed, quote currency; `undefined` before `period` candles. */
  readonly value: number | undefined;
}

export function atrStream(period: number): AtrStream {
  const ind = new ATR(period);
  let value: number | undefined;
  return {
    update(candle) {
      value = ind.update(candle, false) ?? undefined;
    },
    get value() {
      return value;
    },
  };
}

/**
 * Average true range (Wilder) at the last candle, in quote currency. Needs `period` candles.
 * The engine's dynamic stop loss is `2 × atr(candles, 14)`.
 */
export function atr(candles: readonly Candle[], period = 14): number | undefined {
  if (!Number.isInteger(period) || period < 1 || candles.length < period) return undefined;
  const stream = atrStream(period);
  for (let i = smoothingStart(candles.length, period); i < candles.length; i++) stream.update(candles[i]);
  return stream.value;
}

export interface DirectionalMovement {
  /** Average directional index, 0..100 (above 25 is the usual "trending" line). */
  adx: number;
  /** +DI, 0..100. */
  plusDi: number;
  /** −DI, 0..100. */
  minusDi: number;
}

/** ADX with ±DI (Wilder) fed one candle at a time. */
export interface DirectionalMovementStream {
  update(candle: Candle): void;
  /** At the last candle fed; all zeros until ready and on a series without any true range. */
  read(): DirectionalMovement;
}

/**
 * Leading candles without any true range are held back (keeping the last one as the reference
 * bar): the library divides by a zero ATR there and the NaN would otherwise stick forever.
 */
export function directionalMovementStream(period: number): DirectionalMovementStream {
  const ind = new ADX(period);
  let previous: Candle | undefined;
  let moving = false;
  let last: number | null = null;
  return {
    update(candle) {
      if (!moving) {
        moving = candle.high > candle.low || (previous !== undefined && candle.close !== previous.close);
        if (!moving) {
          previous = candle;
          return;
        }
        if (previous) ind.update(previous, false);
      }
      last = ind.update(candle, false);
    },
    read() {
      const pdi = ind.pdi;
      const mdi = ind.mdi;
      if (last === null || !Number.isFinite(last) || typeof pdi !== 'number' || typeof mdi !== 'number') {
        return { adx: 0, plusDi: 0, minusDi: 0 };
      }
      return { adx: last, plusDi: pdi * 100, minusDi: mdi * 100 };
    },
  };
}

/** ADX with +DI/−DI (Wilder) at the last candle. Needs `2 × period` candles; a flat series gives all zeros. */
export function directionalMovement(candles: readonly Candle[], period = 14): DirectionalMovement | undefined {
  if (!Number.isInteger(period) || period < 2 || candles.length < 2 * period) return undefined;
  const stream = directionalMovementStream(period);
  for (let i = smoothingStart(candles.length, period); i < candles.length; i++) stream.update(candles[i]);
  return stream.read();
}

/** ADX (0..100) at the last candle, or `undefined` with fewer than `2 × period` candles. */
export function adx(candles: readonly Candle[], period = 14): number | undefined {
  return directionalMovement(candles, period)?.adx;
}
