/**
 * Volatility-expansion strategies (breakout family): Bollinger squeeze release and ATR range
 * breakout. Both are 0 until volatility expands, then point in the direction of the move.
 */
import { BollingerBands } from 'trading-signals';
import type { BandsResult } from 'trading-signals';
import { barsParam, defineStrategy, explained, fmt, noMovement, realParam } from '../define-strategy.js';
import { atrStream, smoothingMemory } from '../measures.js';
import { SlidingWindow } from '../sliding-window.js';
import type { StrategySignal } from '../types.js';
import type { Candle } from '../../../shared/market.js';

/** Cap on the width ratio so a squeeze out of a perfectly flat market stays finite. */
const MAX_EXPANSION = 10;

/**
 * Bollinger squeeze release: when the band width (upper − lower, relative to the middle) is at
 * least `expansion` times its narrowest value over the previous `lookback` bars, trade in the
 * direction of the close vs the middle band: `0.5 × bandPosition × ratio / expansion`, so a close
 * on the outer band at exactly the trigger ratio gives ±0.5. Otherwise 0.
 */
export const bollingerSqueeze = defineStrategy({
  name: 'bollinger_squeeze',
  label: 'Bollinger squeeze',
  description: 'After the bands widen from a squeeze (×1.5), follows the close vs the middle band; ±0.5 on the band.',
  family: 'breakout',
  params: {
    lookback: barsParam(20, 3, 200, 'Bollinger period and squeeze look-back in bars'),
    numStd: realParam(2, 0.5, 4, 'band half-width in standard deviations'),
    expansion: realParam(1.5, 1.05, 5, 'width ratio vs the recent narrowest that counts as a release'),
  },
  warmUp: (p) => 2 * p.lookback,
  createState(p) {
    const bb = new BollingerBands(p.lookback, p.numStd);
    // Relative band widths of the previous `lookback` bars and of the current one.
    const widths = new SlidingWindow<number>(p.lookback + 1);
    let bands: BandsResult | null = null;
    let close = Number.NaN;
    return {
      update(candle) {
        bands = bb.update(candle.close, false);
        if (bands) widths.push(bands.middle > 0 ? (bands.upper - bands.lower) / bands.middle : 0);
        close = candle.close;
      },
      read() {
        const b = bands;
        const w = widths.items;
        if (!b || w.length < 2) return { signal: 0, reason: 'bands not ready' };
        const now = w[w.length - 1];
        let narrowest = Infinity;
        for (let i = 0; i < w.length - 1; i++) narrowest = Math.min(narrowest, w[i]);
        if (!(now > 0)) return noMovement();
        const ratio = narrowest > 0 ? Math.min(now / narrowest, MAX_EXPANSION) : MAX_EXPANSION;
        if (ratio < p.expansion) {
          return explained(0, () => `no squeeze release: ${describeWidths(now, narrowest, ratio)} < ×${p.expansion}`);
        }
        const last = close;
        const pos = (last - b.middle) / (b.upper - b.middle);
        return explained(
          (0.5 * pos * ratio) / p.expansion,
          () =>
            `squeeze release: ${describeWidths(now, narrowest, ratio)}, close ${fmt(last)} at ${fmt(pos, 3)} band widths from middle ${fmt(b.middle)}`,
        );
      },
    };
  },
});

function describeWidths(now: number, narrowest: number, ratio: number): string {
  return `band width ${fmt(now * 100, 3)}% vs narrowest ${fmt(narrowest * 100, 3)}% (×${fmt(ratio, 3)})`;
}

/**
 * ATR breakout: when the last bar's true range is at least `multiplier` × ATR of the bars before
 * it, follow the close's location in that true range (−1 on its low, +1 on its high), scaled by
 * `0.5 × range / (multiplier × ATR)`: a bar of exactly 1.5 ATR closing on its high gives +0.5,
 * 3 ATR gives +1. Otherwise 0.
 */
export const atrBreakout = defineStrategy({
  name: 'atr_breakout',
  label: 'ATR breakout',
  description: 'A bar wider than 1.5 ATR: follows where it closed in its range; ±0.5 at 1.5 ATR, ±1 at 3 ATR.',
  family: 'breakout',
  params: {
    period: barsParam(14, 2, 100, 'ATR period in bars'),
    multiplier: realParam(1.5, 0.5, 5, 'true range in ATRs that counts as expansion'),
  },
  warmUp: (p) => p.period + 1,
  memory: (p) => smoothingMemory(p.period) + 1,
  createState(p) {
    const atr = atrStream(p.period);
    let bar: Candle | undefined;
    let prevClose = Number.NaN;
    /** ATR of the bars before `bar`. */
    let before: number | undefined;
    return {
      update(candle) {
        prevClose = bar?.close ?? Number.NaN;
        before = atr.value;
        atr.update(candle);
        bar = candle;
      },
      read: () => (before && bar ? expansionReading(bar, prevClose, before, p.multiplier) : noMovement()),
    };
  },
});

/** The ATR breakout signal of `bar` after a close of `prevClose` and an ATR of `before` (quote currency). */
function expansionReading(bar: Candle, prevClose: number, before: number, multiplier: number): StrategySignal {
  const top = Math.max(bar.high, prevClose);
  const bottom = Math.min(bar.low, prevClose);
  const trueRange = top - bottom;
  const expansion = trueRange / before;
  if (expansion < multiplier) {
    return explained(0, () => `no expansion: true range ${fmt(expansion, 3)} ATR < ${multiplier} ATR`);
  }
  const location = trueRange > 0 ? (2 * bar.close - top - bottom) / trueRange : 0;
  return explained(
    (location * 0.5 * expansion) / multiplier,
    () => `range expansion ${fmt(expansion, 3)} ATR (ATR ${fmt(before)}), close at ${fmt(location, 3)} of the bar's range`,
  );
}
