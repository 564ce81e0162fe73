/**
 * Bounded oscillators read as mean reversion: RSI and the stochastic oscillator (both from
 * `trading-signals`). Overbought readings are negative, oversold positive.
 */
import { RSI, StochasticOscillator } from 'trading-signals';
import { barsParam, defineStrategy, fmt, noMovement } from '../define-strategy.js';
import { smoothingStart } from '../measures.js';

/**
 * RSI (Wilder, period = min(14, lookback)): `(50 − RSI) / 40`, so RSI 30 gives +0.5, RSI 10
 * gives +1, RSI 70 gives −0.5. Continuous (the original jumped at 30/70).
 */
export const rsiSignal = defineStrategy({
  name: 'rsi_signal',
  label: 'RSI',
  description: 'RSI read as mean reversion: (50 − RSI)/40, so 30 gives +0.5 and 70 gives −0.5.',
  family: 'mean_reversion',
  params: { lookback: barsParam(14, 2, 100, 'RSI period is min(14, lookback)') },
  warmUp: (p) => Math.min(14, p.lookback) + 1,
  compute(candles, p) {
    const period = Math.min(14, p.lookback);
    let lo = Infinity;
    let hi = -Infinity;
    const rsi = new RSI(period);
    let value: number | null = null;
    for (let i = smoothingStart(candles.length, period); i < candles.length; i++) {
      const c = candles[i];
      lo = Math.min(lo, c.close);
      hi = Math.max(hi, c.close);
      value = rsi.update(c.close, false);
    }
    // The library reports 100 when nothing moved at all; that is no information.
    if (!(hi > lo)) return noMovement();
    if (value === null) return { signal: 0, reason: 'RSI not ready' };
    return { signal: (50 - value) / 40, reason: `RSI(${period}) ${fmt(value, 3)}` };
  },
});

/**
 * Slow stochastic (%K period = min(14, lookback), %K smoothing 3, %D 3): `(50 − %K) / 60`, so
 * %K 20 gives +0.5 and %K 80 gives −0.5.
 */
export const stochasticSignal = defineStrategy({
  name: 'stochastic_signal',
  label: 'Stochastic',
  description: 'Slow %K read as mean reversion: (50 − %K)/60, so 20 gives +0.5 and 80 gives −0.5.',
  family: 'mean_reversion',
  params: { lookback: barsParam(14, 3, 100, '%K period is min(14, lookback)') },
  warmUp: (p) => Math.min(14, p.lookback) + 4,
  compute(candles, p) {
    const kPeriod = Math.min(14, p.lookback);
    const need = kPeriod + 4;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = candles.length - need; i < candles.length; i++) {
      lo = Math.min(lo, candles[i].low);
      hi = Math.max(hi, candles[i].high);
    }
    // The library reads a window without range as %K 0 (oversold); it is no information.
    if (!(hi > lo)) return noMovement();
    const stoch = new StochasticOscillator({ kPeriod, kSlowingPeriod: 3, dPeriod: 3 });
    for (let i = candles.length - need; i < candles.length; i++) stoch.update(candles[i], false);
    const r = stoch.getResult();
    if (!r) return { signal: 0, reason: 'stochastic not ready' };
    return {
      signal: (50 - r.stochK) / 60,
      reason: `stochastic(${kPeriod},3,3) %K ${fmt(r.stochK, 3)}, %D ${fmt(r.stochD, 3)}`,
    };
  },
});
