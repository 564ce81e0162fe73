/**
 * Channel strategies over the last N bars: breakout (breakout family), Donchian position (trend
 * family) and range support/resistance (mean-reversion family).
 */
import { DonchianChannels } from 'trading-signals';
import { barsParam, clamp, defineStrategy, fmt, noMovement } from '../define-strategy.js';
import { atr } from '../measures.js';

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
  compute(candles, p) {
    const n = candles.length;
    let hi = -Infinity;
    let lo = Infinity;
    for (let i = n - 1 - p.lookback; i < n - 1; i++) {
      hi = Math.max(hi, candles[i].close);
      lo = Math.min(lo, candles[i].close);
    }
    const last = candles[n - 1].close;
    const range = atr(candles, 14);
    if (!range) return noMovement();
    if (last > hi) {
      const excess = (last - hi) / range;
      return {
        signal: 0.5 + 0.5 * clamp(excess, 0, 1),
        reason: `close ${fmt(last)} broke above ${p.lookback}-bar high close ${fmt(hi)} by ${fmt(excess, 3)} ATR`,
      };
    }
    if (last < lo) {
      const excess = (lo - last) / range;
      return {
        signal: -0.5 - 0.5 * clamp(excess, 0, 1),
        reason: `close ${fmt(last)} broke below ${p.lookback}-bar low close ${fmt(lo)} by ${fmt(excess, 3)} ATR`,
      };
    }
    return { signal: 0, reason: `close ${fmt(last)} inside ${p.lookback}-bar range ${fmt(lo)}–${fmt(hi)}` };
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
  compute(candles, p) {
    const dc = new DonchianChannels(p.lookback);
    for (let i = candles.length - p.lookback; i < candles.length; i++) dc.update(candles[i], false);
    const ch = dc.getResult();
    if (!ch) return { signal: 0, reason: 'channel not ready' };
    const width = ch.upper - ch.lower;
    if (!(width > 0)) return noMovement();
    const last = candles[candles.length - 1].close;
    const pos = (last - ch.middle) / width;
    return {
      signal: 2 * pos,
      reason: `close ${fmt(last)} at ${fmt((pos + 0.5) * 100, 3)}% of ${p.lookback}-bar channel ${fmt(ch.lower)}–${fmt(ch.upper)}`,
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
  compute(candles, p) {
    const n = candles.length;
    let hi = -Infinity;
    let lo = Infinity;
    for (let i = n - 1 - p.lookback; i < n - 1; i++) {
      hi = Math.max(hi, candles[i].high);
      lo = Math.min(lo, candles[i].low);
    }
    const width = hi - lo;
    if (!(width > 0)) return noMovement();
    const last = candles[n - 1].close;
    const pos = (last - lo) / width;
    return {
      signal: 0.5 - pos,
      reason: `close ${fmt(last)} at ${fmt(pos * 100, 3)}% of ${p.lookback}-bar range support ${fmt(lo)} – resistance ${fmt(hi)}`,
    };
  },
});
