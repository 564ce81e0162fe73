/**
 * Momentum strategies (trend family): simple momentum, dual momentum, trend following.
 * Moves are measured in standard deviations of bar returns or in ATR(14), so that the shared
 * scale (see ../types.ts) holds across assets.
 */
import { EMA } from 'trading-signals';
import { barsParam, defineStrategy, fmt, fmtPct, noMovement } from '../define-strategy.js';
import { closesOf, realizedVolatility } from '../indicators.js';
import { SMOOTHING_MEMORY, atr } from '../measures.js';
import type { Candle } from '../../../shared/market.js';

/** Bars used to estimate per-bar volatility, at least. */
const MIN_VOL_WINDOW = 20;

/** Log return over `bars` bars in units of the expected random-walk move (σ·√bars). */
function momentumZ(candles: readonly Candle[], bars: number, vol: number): { ret: number; z: number } {
  const last = candles[candles.length - 1].close;
  const then = candles[candles.length - 1 - bars].close;
  const logRet = Math.log(last / then);
  return { ret: last / then - 1, z: logRet / (vol * Math.sqrt(bars)) };
}

/**
 * Simple momentum: the return over `lookback` bars in σ units (σ = per-bar realized volatility
 * over max(lookback, 20) bars). A 2σ move gives ±0.5, 4σ gives ±1.
 */
export const momentum = defineStrategy({
  name: 'momentum',
  label: 'Momentum',
  description: 'Return over the lookback in standard deviations of bar returns; 2σ gives ±0.5.',
  family: 'trend',
  params: { lookback: barsParam(10, 2, 200, 'bars over which the return is measured') },
  warmUp: (p) => Math.max(p.lookback, MIN_VOL_WINDOW) + 1,
  compute(candles, p) {
    const vol = realizedVolatility(candles, Math.max(p.lookback, MIN_VOL_WINDOW));
    if (!vol) return noMovement();
    const { ret, z } = momentumZ(candles, p.lookback, vol);
    return {
      signal: z / 4,
      reason: `${fmtPct(ret)} over ${p.lookback} bars = ${fmt(z, 3)}σ (bar volatility ${fmt(vol * 100, 3)}%)`,
    };
  },
});

/**
 * Dual momentum: momentum over `lookback` and over half of it must agree in sign; the signal is
 * the weaker of the two z-scores on the momentum scale, 0 when they disagree. (The original's
 * formula reduced to `(p_long - p_short)/p_long`, which is not dual momentum.)
 */
export const dualMomentum = defineStrategy({
  name: 'dual_momentum',
  label: 'Dual momentum',
  description: 'Short and long momentum must agree; signal is the weaker z-score (2σ gives ±0.5).',
  family: 'trend',
  params: { lookback: barsParam(20, 4, 200, 'long momentum window in bars; short is half') },
  warmUp: (p) => Math.max(p.lookback, MIN_VOL_WINDOW) + 1,
  compute(candles, p) {
    const vol = realizedVolatility(candles, Math.max(p.lookback, MIN_VOL_WINDOW));
    if (!vol) return noMovement();
    const short = Math.max(2, Math.floor(p.lookback / 2));
    const s = momentumZ(candles, short, vol);
    const l = momentumZ(candles, p.lookback, vol);
    const text = `${short}-bar ${fmtPct(s.ret)} (${fmt(s.z, 3)}σ), ${p.lookback}-bar ${fmtPct(l.ret)} (${fmt(l.z, 3)}σ)`;
    if (Math.sign(s.z) !== Math.sign(l.z) || s.z === 0) {
      return { signal: 0, reason: `${text}: disagree` };
    }
    const weaker = Math.sign(l.z) * Math.min(Math.abs(s.z), Math.abs(l.z));
    return { signal: weaker / 4, reason: `${text}: agree` };
  },
});

/**
 * Trend following: price above a rising EMA(lookback) is bullish. Raw score (ATR units) is the
 * close's distance from the EMA plus the EMA's rise over half the lookback; 2 ATR gives ±0.5.
 */
export const trendFollowing = defineStrategy({
  name: 'trend_following',
  label: 'Trend following',
  description: 'Close vs EMA plus the EMA slope, in ATR(14); 2 ATR together gives ±0.5.',
  family: 'trend',
  params: { lookback: barsParam(20, 4, 200, 'EMA period in bars') },
  warmUp: (p) => Math.max(p.lookback + Math.floor(p.lookback / 2), 15),
  compute(candles, p) {
    const range = atr(candles, 14);
    if (!range) return noMovement();
    const closes = closesOf(candles, SMOOTHING_MEMORY * p.lookback);
    const ema = new EMA(p.lookback);
    const k = Math.floor(p.lookback / 2);
    let emaThen = 0;
    let emaNow = 0;
    for (let i = 0; i < closes.length; i++) {
      emaNow = ema.update(closes[i], false);
      if (i === closes.length - 1 - k) emaThen = emaNow;
    }
    const last = closes[closes.length - 1];
    const distance = (last - emaNow) / range;
    const slope = (emaNow - emaThen) / range;
    return {
      signal: (distance + slope) / 4,
      reason: `close ${fmt(last)} is ${fmt(distance, 3)} ATR from EMA${p.lookback} ${fmt(emaNow)}, EMA moved ${fmt(slope, 3)} ATR in ${k} bars`,
    };
  },
});
