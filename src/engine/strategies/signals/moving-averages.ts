/**
 * Moving-average strategies (trend family): SMA crossover, EMA crossover, MACD. Gaps between
 * averages are measured in ATR(14); averages come from `trading-signals`.
 */
import { EMA, MACD, SMA } from 'trading-signals';
import { barsParam, defineStrategy, explained, fmt, noMovement } from '../define-strategy.js';
import type { StrategyState } from '../define-strategy.js';
import { atrStream, smoothingMemory } from '../measures.js';
import type { StrategySignal } from '../types.js';

/** Fast period used by the crossovers: half the slow one, at least 2. */
function fastPeriod(slow: number): number {
  return Math.max(2, Math.floor(slow / 2));
}

/**
 * A fast and a slow average of closes (`update` feeds one close to both and returns them), read
 * as their gap in ATR(14): 1 ATR gives ±0.5.
 */
function crossoverState(
  update: (close: number) => { fast: number; slow: number },
  describe: (f: number, s: number) => string,
): StrategyState {
  const atr = atrStream(14);
  let fast = Number.NaN;
  let slow = Number.NaN;
  return {
    update(candle) {
      atr.update(candle);
      ({ fast, slow } = update(candle.close));
    },
    read(): StrategySignal {
      const range = atr.value;
      if (!range) return noMovement();
      const f = fast;
      const s = slow;
      const gap = (f - s) / range;
      return explained(gap / 2, () => `${describe(f, s)}: gap ${fmt(gap, 3)} ATR`);
    },
  };
}

/** SMA crossover: fast SMA(lookback/2) minus slow SMA(lookback), in ATR; 1 ATR gives ±0.5. */
export const maCrossover = defineStrategy({
  name: 'ma_crossover',
  label: 'SMA crossover',
  description: 'Fast SMA (half the lookback) minus slow SMA, in ATR(14); 1 ATR gives ±0.5.',
  family: 'trend',
  params: { lookback: barsParam(20, 4, 200, 'slow SMA period in bars; fast is half') },
  warmUp: (p) => Math.max(p.lookback, 15),
  memory: () => smoothingMemory(14),
  createState(p) {
    const fastN = fastPeriod(p.lookback);
    const fast = new SMA(fastN);
    const slow = new SMA(p.lookback);
    const averages = { fast: 0, slow: 0 };
    return crossoverState(
      (close) => {
        averages.slow = slow.update(close, false) ?? averages.slow;
        averages.fast = fast.update(close, false) ?? averages.fast;
        return averages;
      },
      (f, s) => `SMA${fastN} ${fmt(f)} vs SMA${p.lookback} ${fmt(s)}`,
    );
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
  memory: (p) => smoothingMemory(Math.max(p.lookback, 14)),
  createState(p) {
    const fastN = fastPeriod(p.lookback);
    const fast = new EMA(fastN);
    const slow = new EMA(p.lookback);
    const averages = { fast: 0, slow: 0 };
    return crossoverState(
      (close) => {
        averages.fast = fast.update(close, false);
        averages.slow = slow.update(close, false);
        return averages;
      },
      (f, s) => `EMA${fastN} ${fmt(f)} vs EMA${p.lookback} ${fmt(s)}`,
    );
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
  memory: (p) => smoothingMemory(Math.max(p.slow, p.fast + 1, 14)),
  createState(p) {
    const atr = atrStream(14);
    const macd = new MACD(new EMA(p.fast), new EMA(Math.max(p.slow, p.fast + 1)), new EMA(p.signal));
    return {
      update(candle) {
        atr.update(candle);
        macd.update(candle.close, false);
      },
      read() {
        const range = atr.value;
        if (!range) return noMovement();
        const r = macd.getResult();
        if (!r) return { signal: 0, reason: 'MACD not ready' };
        const raw = r.macd / range + (2 * r.histogram) / range;
        return explained(
          raw / 4,
          () =>
            `MACD ${fmt(r.macd)} (${fmt(r.macd / range, 3)} ATR), signal ${fmt(r.signal)}, histogram ${fmt(r.histogram)} (${fmt(r.histogram / range, 3)} ATR)`,
        );
      },
    };
  },
});
