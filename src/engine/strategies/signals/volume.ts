/**
 * Volume-weighted strategies: VWAP deviation (mean reversion) and OBV trend (trend). OBV comes
 * from `trading-signals`; the rolling VWAP, its σ bands and the OBV flow ratio that normalizes
 * OBV are ours (indicators.ts).
 */
import { OBV } from 'trading-signals';
import type { Candle } from '../../../shared/market.js';
import { barsParam, defineStrategy, explained, fmt, fmtPct, noMovement } from '../define-strategy.js';
import { obvFlowRatio, rollingVwap, vwapStdDev } from '../indicators.js';
import { SlidingWindow } from '../sliding-window.js';

/**
 * VWAP deviation: rolling VWAP (typical price × volume) over the last
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
  createState(p) {
    const bars = new SlidingWindow<Candle>(p.lookback);
    return {
      update: (candle) => bars.push(candle),
      read() {
        const vwap = rollingVwap(bars.items);
        if (vwap === undefined) return { signal: 0, reason: `no signal: no volume in the last ${p.lookback} bars` };
        const sd = vwapStdDev(bars.items, vwap);
        if (!sd) return noMovement();
        const last = bars.back(0).close;
        const z = (last - vwap) / sd;
        return explained(
          -z / 4,
          () => `close ${fmt(last)} is ${fmt(z, 3)}σ (${fmtPct(last / vwap - 1)}) from ${p.lookback}-bar VWAP ${fmt(vwap)}`,
        );
      },
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
  createState(p) {
    // OBV(2) compares each bar with the previous one: its first value is the second bar's signed
    // volume, so the OBV at the first bar counts as 0. The change over `lookback` bars is the
    // difference of the OBV `lookback` bars apart.
    const obv = new OBV(2);
    const levels = new SlidingWindow<number>(p.lookback + 1);
    const volumes = new SlidingWindow<number>(p.lookback);
    return {
      update(candle) {
        const level = obv.update(candle, false) ?? 0;
        if (levels.items.length > 0) volumes.push(candle.volume);
        levels.push(level);
      },
      read() {
        const change = levels.back(0) - levels.items[0];
        let total = 0;
        for (const v of volumes.items) total += v;
        const ratio = obvFlowRatio(change, total);
        if (ratio === undefined) return { signal: 0, reason: `no signal: no volume in the last ${p.lookback} bars` };
        return explained(
          2 * ratio,
          () => `OBV ${change >= 0 ? '+' : ''}${fmt(change)} over ${p.lookback} bars = ${fmtPct(ratio)} of volume ${fmt(total)}`,
        );
      },
    };
  },
});
