/**
 * Bounded oscillators read as mean reversion: RSI and the stochastic oscillator (both from
 * `trading-signals`). Overbought readings are negative, oversold positive.
 */
import { RSI, StochasticOscillator } from 'trading-signals';
import type { Candle } from '../../../shared/market.js';
import { barsParam, defineStrategy, explained, fmt, noMovement } from '../define-strategy.js';
import { smoothingMemory } from '../measures.js';
import { SlidingWindow } from '../sliding-window.js';

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
  memory: (p) => smoothingMemory(Math.min(14, p.lookback)),
  createState(p) {
    const period = Math.min(14, p.lookback);
    const rsi = new RSI(period);
    let value: number | null = null;
    let bars = 0;
    let previous = Number.NaN;
    /** Index of the last bar whose close differs from the one before it; -1 while none has. */
    let lastMove = -1;
    return {
      update(candle) {
        if (bars > 0 && candle.close !== previous) lastMove = bars;
        previous = candle.close;
        bars++;
        value = rsi.update(candle.close, false);
      },
      read() {
        // The library reports 100 when nothing moved at all; that is no information. Moves older
        // than the smoothing memory no longer count (Wilder's averages weigh them < e^-20).
        if (lastMove <= Math.max(0, bars - smoothingMemory(period))) return noMovement();
        const rsiNow = value;
        if (rsiNow === null) return { signal: 0, reason: 'RSI not ready' };
        return explained((50 - rsiNow) / 40, () => `RSI(${period}) ${fmt(rsiNow, 3)}`);
      },
    };
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
  createState(p) {
    const kPeriod = Math.min(14, p.lookback);
    // %D at a bar depends on the last kPeriod + 4 bars only.
    const bars = new SlidingWindow<Candle>(kPeriod + 4);
    const stoch = new StochasticOscillator({ kPeriod, kSlowingPeriod: 3, dPeriod: 3 });
    return {
      update(candle) {
        bars.push(candle);
        stoch.update(candle, false);
      },
      read() {
        let lo = Infinity;
        let hi = -Infinity;
        for (const c of bars.items) {
          lo = Math.min(lo, c.low);
          hi = Math.max(hi, c.high);
        }
        // The library reads a window without range as %K 0 (oversold); it is no information.
        if (!(hi > lo)) return noMovement();
        const r = stoch.getResult();
        if (!r) return { signal: 0, reason: 'stochastic not ready' };
        return explained((50 - r.stochK) / 60, () => `stochastic(${kPeriod},3,3) %K ${fmt(r.stochK, 3)}, %D ${fmt(r.stochD, 3)}`);
      },
    };
  },
});
