/**
 * Channel strategies over the last N bars: breakout (breakout family), Donchian position (trend
 * family) and range support/resistance (mean-reversion family).
 */
import { DonchianChannels } from 'trading-signals';
import type { Candle } from '../../../shared/market.js';
import { barsParam, clamp, defineStrategy, explained, fmt, noMovement } from '../define-strategy.js';
import { atrStream, smoothingMemory } from '../measures.js';
import { SlidingWindow } from '../sliding-window.js';

/**
 * Breakout: a close above the highest close of the previous `lookback` bars gives +0.5, rising to
 * +1 when it clears that level by one ATR(14) or more (mirror for a close below the lowest);
 * 0 inside the range.
 */
export const breakout = defineStrategy({
  name: 'breakout',
  label: 'Breakout',
  description: "Close beyond the previous N closes' extreme: ±0.5 at the level, ±1 one ATR beyond; 0 inside.",
  family: 'breakout',
  params: { lookback: barsParam(20, 2, 200, 'bars whose closes define the range') },
  warmUp: (p) => Math.max(p.lookback + 1, 15),
  memory: () => smoothingMemory(14),
  createState(p) {
    // The previous `lookback` closes and the current one.
    const closes = new SlidingWindow<number>(p.lookback + 1);
    const atr = atrStream(14);
    return {
      update(candle) {
        closes.push(candle.close);
        atr.update(candle);
      },
      read() {
        const v = closes.items;
        let hi = -Infinity;
        let lo = Infinity;
        for (let i = 0; i < v.length - 1; i++) {
          hi = Math.max(hi, v[i]);
          lo = Math.min(lo, v[i]);
        }
        const last = v[v.length - 1];
        const range = atr.value;
        if (!range) return noMovement();
        if (last > hi) {
          const excess = (last - hi) / range;
          return explained(
            0.5 + 0.5 * clamp(excess, 0, 1),
            () => `close ${fmt(last)} broke above ${p.lookback}-bar high close ${fmt(hi)} by ${fmt(excess, 3)} ATR`,
          );
        }
        if (last < lo) {
          const excess = (lo - last) / range;
          return explained(
            -0.5 - 0.5 * clamp(excess, 0, 1),
            () => `close ${fmt(last)} broke below ${p.lookback}-bar low close ${fmt(lo)} by ${fmt(excess, 3)} ATR`,
          );
        }
        return explained(0, () => `close ${fmt(last)} inside ${p.lookback}-bar range ${fmt(lo)}–${fmt(hi)}`);
      },
    };
  },
});

/**
 * Donchian channel position (trend): where the close sits in the high/low channel of the last
 * `lookback` bars including the current one, `2 × (close − middle) / width`: ±1 at the channel
 * edge (a new N-bar extreme), ±0.5 at the quarter lines.
 */
export const donchianChannel = defineStrategy({
  name: 'donchian_channel',
  label: 'Donchian channel',
  description: 'Close position in the N-bar high/low channel: ±1 at the edges, ±0.5 at the quarter lines.',
  family: 'trend',
  params: { lookback: barsParam(20, 2, 200, 'channel length in bars') },
  warmUp: (p) => p.lookback,
  createState(p) {
    const dc = new DonchianChannels(p.lookback);
    let last = Number.NaN;
    return {
      update(candle) {
        dc.update(candle, false);
        last = candle.close;
      },
      read() {
        const ch = dc.getResult();
        if (!ch) return { signal: 0, reason: 'channel not ready' };
        const width = ch.upper - ch.lower;
        if (!(width > 0)) return noMovement();
        const close = last;
        const pos = (close - ch.middle) / width;
        return explained(
          2 * pos,
          () => `close ${fmt(close)} at ${fmt((pos + 0.5) * 100, 3)}% of ${p.lookback}-bar channel ${fmt(ch.lower)}–${fmt(ch.upper)}`,
        );
      },
    };
  },
});

/**
 * Range support/resistance (mean reversion): fade the close's position in the high/low range of
 * the previous `lookback` bars, `0.5 − position`: −0.5 at resistance, +0.5 at support, ±1 half a
 * range beyond.
 */
export const rangeSr = defineStrategy({
  name: 'range_sr',
  label: 'Range support/resistance',
  description: "Fades the close's place in the previous N-bar range: −0.5 at resistance, +0.5 at support.",
  family: 'mean_reversion',
  params: { lookback: barsParam(20, 2, 200, 'bars whose highs/lows define the range') },
  warmUp: (p) => p.lookback + 1,
  createState(p) {
    // The previous `lookback` bars and the current one.
    const bars = new SlidingWindow<Candle>(p.lookback + 1);
    return {
      update(candle) {
        bars.push(candle);
      },
      read() {
        const v = bars.items;
        let hi = -Infinity;
        let lo = Infinity;
        for (let i = 0; i < v.length - 1; i++) {
          hi = Math.max(hi, v[i].high);
          lo = Math.min(lo, v[i].low);
        }
        const width = hi - lo;
        if (!(width > 0)) return noMovement();
        const last = v[v.length - 1].close;
        const pos = (last - lo) / width;
        return explained(
          0.5 - pos,
          () => `close ${fmt(last)} at ${fmt(pos * 100, 3)}% of ${p.lookback}-bar range support ${fmt(lo)} – resistance ${fmt(hi)}`,
        );
      },
    };
  },
});
