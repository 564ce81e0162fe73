/**
 * Volume-weighted strategies: VWAP deviation (mean reversion) and OBV trend (trend). VWAP and OBV
 * come from `trading-signals`; the OBV flow ratio that normalizes OBV is ours.
 */
import { OBV, VWAP } from 'trading-signals';
import { barsParam, defineStrategy, fmt, fmtPct, noMovement } from '../define-strategy.js';
import { obvFlowRatio, vwapStdDev } from '../indicators.js';

/**
 * VWAP deviation: rolling VWAP (typical price × volume, `trading-signals`) over the last
 * `lookback` bars with volume-weighted σ bands; fades the close's distance from VWAP in those σ:
 * on the 2σ band gives ∓0.5, 4σ gives ∓1. Bars without volume are skipped; no volume at all
 * gives 0. (The original used the raw percentage gap over every cached candle.)
 */
export const vwapDeviation = defineStrategy({
  name: 'vwap_deviation',
  label: 'VWAP deviation',
  description: "Fades the close's distance from the rolling VWAP in volume-weighted σ: the 2σ band gives ∓0.5.",
  family: 'mean_reversion',
  params: { lookback: barsParam(50, 3, 1000, 'bars in the rolling VWAP') },
  warmUp: (p) => p.lookback,
  compute(candles, p) {
    const vwap = new VWAP();
    let value: number | null = null;
    for (let i = candles.length - p.lookback; i < candles.length; i++) {
      const c = candles[i];
      if (c.volume > 0) value = vwap.update(c, false);
    }
    if (value === null) return { signal: 0, reason: `no signal: no volume in the last ${p.lookback} bars` };
    const sd = vwapStdDev(candles.slice(candles.length - p.lookback), value);
    if (!sd) return noMovement();
    const last = candles[candles.length - 1].close;
    const z = (last - value) / sd;
    return {
      signal: -z / 4,
      reason: `close ${fmt(last)} is ${fmt(z, 3)}σ (${fmtPct(last / value - 1)}) from ${p.lookback}-bar VWAP ${fmt(value)}`,
    };
  },
});

/**
 * OBV trend: the change of on-balance volume over `lookback` bars as a share of the volume traded
 * (+1 if every bar closed up), times 2: a 62.5/37.5 up/down volume split gives +0.5.
 */
export const obvTrend = defineStrategy({
  name: 'obv_trend',
  label: 'OBV trend',
  description: 'On-balance-volume change over the lookback as a share of volume traded, ×2: 25% net up-volume gives +0.5.',
  family: 'trend',
  params: { lookback: barsParam(20, 2, 500, 'bars over which the OBV change is measured') },
  warmUp: (p) => p.lookback + 1,
  compute(candles, p) {
    // OBV(2) compares each bar with the previous one; its first value is the second bar's volume.
    const obv = new OBV(2);
    let change = 0;
    let total = 0;
    const from = candles.length - p.lookback - 1;
    for (let i = from; i < candles.length; i++) {
      const v = obv.update(candles[i], false);
      if (i > from) {
        change = v ?? change;
        total += candles[i].volume;
      }
    }
    const ratio = obvFlowRatio(change, total);
    if (ratio === undefined) return { signal: 0, reason: `no signal: no volume in the last ${p.lookback} bars` };
    return {
      signal: 2 * ratio,
      reason: `OBV ${change >= 0 ? '+' : ''}${fmt(change)} over ${p.lookback} bars = ${fmtPct(ratio)} of volume ${fmt(total)}`,
    };
  },
});
