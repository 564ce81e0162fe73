/**
 * Moving-average strategies (trend family): SMA crossover, EMA crossover, MACD. Gaps between
 * averages are measured in ATR(14); averages come from `trading-signals`.
 */
import { EMA, MACD, SMA } from 'trading-signals';
import { barsParam, defineStrategy, fmt, noMovement } from '../define-strategy.js';
import { closesOf } from '../indicators.js';
import { SMOOTHING_MEMORY, atr } from '../measures.js';

/** Fast period used by the crossovers: half the slow one, at least 2. */
function fastPeriod(slow: number): number {
  return Math.max(2, Math.floor(slow / 2));
}

/** SMA crossover: fast SMA(lookback/2) minus slow SMA(lookback), in ATR; 1 ATR gives ±0.5. */
export const maCrossover = defineStrategy({
  name: 'ma_crossover',
  label: 'SMA crossover',
  description: 'Fast SMA (half the lookback) minus slow SMA, in ATR(14); 1 ATR gives ±0.5.',
  family: 'trend',
  params: { lookback: barsParam(20, 4, 200, 'slow SMA period in bars; fast is half') },
  warmUp: (p) => Math.max(p.lookback, 15),
  compute(candles, p) {
    const range = atr(candles, 14);
    if (!range) return noMovement();
    const fastN = fastPeriod(p.lookback);
    const fast = new SMA(fastN);
    const slow = new SMA(p.lookback);
    let f = 0;
    let s = 0;
    for (const c of closesOf(candles, p.lookback)) {
      s = slow.update(c, false) ?? s;
      f = fast.update(c, false) ?? f;
    }
    const gap = (f - s) / range;
    return {
      signal: gap / 2,
      reason: `SMA${fastN} ${fmt(f)} vs SMA${p.lookback} ${fmt(s)}: gap ${fmt(gap, 3)} ATR`,
    };
  },
});

/** EMA crossover: fast EMA(lookback/2) minus slow EMA(lookback), in ATR; 1 ATR gives ±0.5. */
export const emaCrossover = defineStrategy({
  name: 'ema_crossover',
  label: 'EMA crossover',
  description: 'Fast EMA (half the lookback) minus slow EMA, in ATR(14); 1 ATR gives ±0.5.',
  family: 'trend',
  params: { lookback: barsParam(20, 4, 200, 'slow EMA period in bars; fast is half') },
  warmUp: (p) => Math.max(p.lookback, 15),
  compute(candles, p) {
    const range = atr(candles, 14);
    if (!range) return noMovement();
    const fastN = fastPeriod(p.lookback);
    const fast = new EMA(fastN);
    const slow = new EMA(p.lookback);
    let f = 0;
    let s = 0;
    for (const c of closesOf(candles, SMOOTHING_MEMORY * p.lookback)) {
      f = fast.update(c, false);
      s = slow.update(c, false);
    }
    const gap = (f - s) / range;
    return {
      signal: gap / 2,
      reason: `EMA${fastN} ${fmt(f)} vs EMA${p.lookback} ${fmt(s)}: gap ${fmt(gap, 3)} ATR`,
    };
  },
});

/**
 * MACD (EMA 12/26, signal EMA 9, from `trading-signals`; the original used an SMA signal line).
 * Raw score in ATR: MACD line plus twice the histogram; 2 ATR gives ±0.5. Ignores `lookback`.
 */
export const macdSignal = defineStrategy({
  name: 'macd_signal',
  label: 'MACD',
  description: 'MACD line plus twice its histogram, in ATR(14); 2 ATR gives ±0.5. Fixed 12/26/9.',
  family: 'trend',
  params: {
    fast: barsParam(12, 2, 100, 'fast EMA period'),
    slow: barsParam(26, 3, 200, 'slow EMA period (raised above fast if needed)'),
    signal: barsParam(9, 2, 100, 'signal EMA period'),
  },
  warmUp: (p) => Math.max(Math.max(p.slow, p.fast + 1) + p.signal, 15),
  compute(candles, p) {
    const range = atr(candles, 14);
    if (!range) return noMovement();
    const slowN = Math.max(p.slow, p.fast + 1);
    const macd = new MACD(new EMA(p.fast), new EMA(slowN), new EMA(p.signal));
    for (const c of closesOf(candles, SMOOTHING_MEMORY * slowN)) macd.update(c, false);
    const r = macd.getResult();
    if (!r) return { signal: 0, reason: 'MACD not ready' };
    const raw = r.macd / range + (2 * r.histogram) / range;
    return {
      signal: raw / 4,
      reason: `MACD ${fmt(r.macd)} (${fmt(r.macd / range, 3)} ATR), signal ${fmt(r.signal)}, histogram ${fmt(r.histogram)} (${fmt(r.histogram / range, 3)} ATR)`,
    };
  },
});
