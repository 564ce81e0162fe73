/**
 * Momentum strategies (trend family): simple momentum, dual momentum, trend following.
 * Moves are measured in standard deviations of bar returns or in ATR(14), so that the shared
 * scale (see ../types.ts) holds across assets.
 */
import { EMA } from 'trading-signals';
import { barsParam, defineStrategy, explained, fmt, fmtPct, noMovement } from '../define-strategy.js';
import { logReturn, stdDev } from '../indicators.js';
import { atrStream, smoothingMemory } from '../measures.js';
import { SlidingWindow } from '../sliding-window.js';
import type { StrategyState } from '../define-strategy.js';
import type { StrategySignal } from '../types.js';

/** Bars used to estimate per-bar volatility, at least. */
const MIN_VOL_WINDOW = 20;

/** Recent closes and the per-bar volatility of their log returns. */
interface CloseHistory {
  /** The close `back` bars before the last one (0 = the last). */
  close(back: number): number;
  /** Realized volatility per bar over the window's returns (NaN on a non-positive close). */
  volatility(): number;
}

/**
 * The state of a momentum strategy over `lookback` bars: the last `max(lookback, 20)` log returns
 * (realized volatility, as `realizedVolatility` in indicators.ts) and the closes they join;
 * `reading` turns them into the signal.
 */
function momentumState(lookback: number, reading: (h: CloseHistory) => StrategySignal): StrategyState {
  const volBars = Math.max(lookback, MIN_VOL_WINDOW);
  const closes = new SlidingWindow<number>(volBars + 1);
  const returns = new SlidingWindow<number>(volBars);
  const history: CloseHistory = { close: (back) => closes.back(back), volatility: () => stdDev(returns.items) };
  return {
    update(candle) {
      if (closes.items.length > 0) returns.push(logReturn(closes.back(0), candle.close));
      closes.push(candle.close);
    },
    read: () => reading(history),
  };
}

/** Log return over `bars` bars in units of the expected random-walk move (σ·√bars). */
function momentumZ(h: CloseHistory, bars: number, vol: number): { ret: number; z: number } {
  const last = h.close(0);
  const then = h.close(bars);
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
  createState: (p) =>
    momentumState(p.lookback, (h) => {
      const vol = h.volatility();
      if (!vol) return noMovement();
      const { ret, z } = momentumZ(h, p.lookback, vol);
      return explained(z / 4, () => `${fmtPct(ret)} over ${p.lookback} bars = ${fmt(z, 3)}σ (bar volatility ${fmt(vol * 100, 3)}%)`);
    }),
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
  createState: (p) =>
    momentumState(p.lookback, (h) => {
      const vol = h.volatility();
      if (!vol) return noMovement();
      const short = Math.max(2, Math.floor(p.lookback / 2));
      const s = momentumZ(h, short, vol);
      const l = momentumZ(h, p.lookback, vol);
      if (Math.sign(s.z) !== Math.sign(l.z) || s.z === 0) {
        return explained(0, () => `${describeDual(short, s, p.lookback, l)}: disagree`);
      }
      const weaker = Math.sign(l.z) * Math.min(Math.abs(s.z), Math.abs(l.z));
      return explained(weaker / 4, () => `${describeDual(short, s, p.lookback, l)}: agree`);
    }),
});

function describeDual(short: number, s: { ret: number; z: number }, long: number, l: { ret: number; z: number }): string {
  return `${short}-bar ${fmtPct(s.ret)} (${fmt(s.z, 3)}σ), ${long}-bar ${fmtPct(l.ret)} (${fmt(l.z, 3)}σ)`;
}

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
  memory: (p) => smoothingMemory(Math.max(p.lookback, 14)),
  createState(p) {
    const atr = atrStream(14);
    const ema = new EMA(p.lookback);
    const k = Math.floor(p.lookback / 2);
    // The EMA now and `k` bars ago.
    const emas = new SlidingWindow<number>(k + 1);
    let close = Number.NaN;
    return {
      update(candle) {
        atr.update(candle);
        emas.push(ema.update(candle.close, false));
        close = candle.close;
      },
      read() {
        const range = atr.value;
        if (!range) return noMovement();
        const last = close;
        const emaNow = emas.back(0);
        const distance = (last - emaNow) / range;
        const slope = (emaNow - emas.back(k)) / range;
        return explained(
          (distance + slope) / 4,
          () =>
            `close ${fmt(last)} is ${fmt(distance, 3)} ATR from EMA${p.lookback} ${fmt(emaNow)}, EMA moved ${fmt(slope, 3)} ATR in ${k} bars`,
        );
      },
    };
  },
});
