/**
 * Trend-direction indicators from `trading-signals` (trend family): ADX/DI filter, SuperTrend and
 * Ichimoku. These use fixed textbook periods and ignore `lookback`.
 */
import { IchimokuCloud, SuperTrend } from 'trading-signals';
import type { IchimokuCloudResult } from 'trading-signals';
import { barsParam, clamp, defineStrategy, explained, fmt, noMovement, realParam } from '../define-strategy.js';
import { atrStream, directionalMovementStream, smoothingMemory } from '../measures.js';
import { SlidingWindow } from '../sliding-window.js';
import type { StrategySignal } from '../types.js';

/**
 * ADX filter: direction from +DI vs −DI, strength from ADX ramping from 0 at `threshold − 10` to
 * 0.5 at `threshold` (25) and 1 at `threshold + 10`. Unlike the original (1 when trending, else 0,
 * so it could only open longs) it is directional.
 */
export const adxFilter = defineStrategy({
  name: 'adx_filter',
  label: 'ADX trend filter',
  description: 'Direction from +DI/−DI, strength from ADX: 0.5 at ADX 25, 1 at ADX 35, 0 at ADX 15 or below.',
  family: 'trend',
  params: {
    period: barsParam(14, 2, 100, 'ADX/DI period in bars'),
    threshold: realParam(25, 10, 60, 'ADX level that counts as trending (gives ±0.5)'),
  },
  warmUp: (p) => 2 * p.period,
  memory: (p) => smoothingMemory(p.period),
  createState(p) {
    const movement = directionalMovementStream(p.period);
    return {
      update: (candle) => movement.update(candle),
      read() {
        const dm = movement.read();
        if (dm.adx === 0 && dm.plusDi === 0 && dm.minusDi === 0) return noMovement();
        const dir = Math.sign(dm.plusDi - dm.minusDi);
        const strength = clamp((dm.adx - (p.threshold - 10)) / 20, 0, 1);
        return explained(
          dir * strength,
          () => `ADX(${p.period}) ${fmt(dm.adx, 3)} (trend line ${p.threshold}), +DI ${fmt(dm.plusDi, 3)} vs −DI ${fmt(dm.minusDi, 3)}`,
        );
      },
    };
  },
});

/**
 * SuperTrend (`trading-signals`, ATR period 10, multiplier 3): ±0.5 on the trend side just after a
 * flip, rising to ±1 as the close gets one full band (multiplier × ATR) away from the stop line.
 * (The original compared the close with hl2 ± 3·ATR of the same bar, which almost never fires.)
 */
export const supertrend = defineStrategy({
  name: 'supertrend',
  label: 'SuperTrend',
  description: 'SuperTrend direction; ±0.5 at the line, ±1 one band (3 ATR) away from it.',
  family: 'trend',
  params: {
    period: barsParam(10, 2, 100, 'ATR period in bars'),
    multiplier: realParam(3, 0.5, 10, 'band width in ATRs'),
  },
  warmUp: (p) => p.period + 1,
  memory: (p) => smoothingMemory(p.period),
  createState(p) {
    const atr = atrStream(p.period);
    const st = new SuperTrend({ interval: p.period, multiplier: p.multiplier });
    let close = Number.NaN;
    return {
      update(candle) {
        atr.update(candle);
        st.update(candle, false);
        close = candle.close;
      },
      read() {
        const range = atr.value;
        if (!range) return noMovement();
        const r = st.getResult();
        if (!r) return { signal: 0, reason: 'SuperTrend not ready' };
        const last = close;
        const bands = Math.abs(last - r.supertrend) / (p.multiplier * range);
        const dir = r.trend === 'BULLISH' ? 1 : -1;
        return explained(
          dir * (0.5 + 0.5 * clamp(bands, 0, 1)),
          () =>
            `SuperTrend(${p.period},${p.multiplier}) ${dir > 0 ? 'up' : 'down'}, line ${fmt(r.supertrend)}, close ${fmt(last)} (${fmt(bands * p.multiplier, 3)} ATR away)`,
        );
      },
    };
  },
});

/**
 * Ichimoku (`trading-signals` cloud 9/26/52, cloud displaced 26 bars as in the textbook):
 * close above/below the cloud ±0.4, Tenkan above/below Kijun ±0.3, close above/below Kijun ±0.3.
 * All three agreeing gives ±1; inside the cloud at most ±0.6.
 */
export const ichimokuSignal = defineStrategy({
  name: 'ichimoku_signal',
  label: 'Ichimoku',
  description: 'Close vs cloud (±0.4), Tenkan vs Kijun (±0.3), close vs Kijun (±0.3); fixed 9/26/52.',
  family: 'trend',
  params: {
    conversion: barsParam(9, 2, 100, 'Tenkan-sen period'),
    base: barsParam(26, 2, 200, 'Kijun-sen period and cloud displacement'),
    spanB: barsParam(52, 2, 300, 'Senkou span B period'),
  },
  warmUp: (p) => Math.max(p.conversion, p.base, p.spanB) + p.base,
  createState(p) {
    const ich = new IchimokuCloud({ conversionInterval: p.conversion, baseInterval: p.base, spanBInterval: p.spanB });
    // The cloud under today's bar was projected `base` bars ago: keep the last `base + 1` results.
    const results = new SlidingWindow<IchimokuCloudResult | null>(p.base + 1);
    let close = Number.NaN;
    return {
      update(candle) {
        results.push(ich.update(candle, false));
        close = candle.close;
      },
      read: () => ichimokuReading(results.back(0), results.full ? results.items[0] : null, close),
    };
  },
});

/** The Ichimoku signal at a bar from its cloud now and the cloud projected `base` bars ago. */
function ichimokuReading(now: IchimokuCloudResult | null, displaced: IchimokuCloudResult | null, last: number): StrategySignal {
  if (!now || !displaced) return { signal: 0, reason: 'Ichimoku not ready' };
  const cloudTop = Math.max(displaced.spanA, displaced.spanB);
  const cloudBottom = Math.min(displaced.spanA, displaced.spanB);
  const cloud = last > cloudTop ? 1 : last < cloudBottom ? -1 : 0;
  const tk = Math.sign(now.conversion - now.base);
  const kijun = Math.sign(last - now.base);
  const where = cloud > 0 ? 'above' : cloud < 0 ? 'below' : 'inside';
  return explained(
    0.4 * cloud + 0.3 * tk + 0.3 * kijun,
    () => `close ${fmt(last)} ${where} cloud ${fmt(cloudBottom)}–${fmt(cloudTop)}, Tenkan ${fmt(now.conversion)} vs Kijun ${fmt(now.base)}`,
  );
}
