/**
 * Mean-reversion strategies around a moving average: z-score, Bollinger reversion, ATR distance
 * from the SMA, and the Keltner/Bollinger fade. All are negative above the mean.
 */
import { BollingerBands, KeltnerChannels, SMA, getAverage } from 'trading-signals';
import { barsParam, defineStrategy, explained, fmt, noMovement, realParam } from '../define-strategy.js';
import { stdDev } from '../indicators.js';
import { atrStream, smoothingMemory } from '../measures.js';
import { SlidingWindow } from '../sliding-window.js';

/** Z-score of the close against the last `lookback` closes, faded: 1.5σ gives ∓0.5, 3σ ∓1. */
export const zScore = defineStrategy({
  name: 'z_score',
  label: 'Z-score reversion',
  description: "Fades the close's z-score over the lookback: +1.5σ gives −0.5, +3σ gives −1.",
  family: 'mean_reversion',
  params: { lookback: barsParam(20, 3, 200, 'bars in the mean/deviation window') },
  warmUp: (p) => p.lookback,
  createState(p) {
    const closes = new SlidingWindow<number>(p.lookback);
    return {
      update: (candle) => closes.push(candle.close),
      read() {
        const mean = getAverage(closes.items);
        const sd = stdDev(closes.items, mean);
        if (!(sd > 0)) return noMovement();
        const last = closes.back(0);
        const z = (last - mean) / sd;
        return explained(-z / 3, () => `close ${fmt(last)} is ${fmt(z, 3)}σ from ${p.lookback}-bar mean ${fmt(mean)}`);
      },
    };
  },
});

/**
 * Bollinger reversion (bands from `trading-signals`): fades the close's place between the bands,
 * −0.5 on the upper band, −1 one band-width beyond it (mirror below).
 */
export const bollingerReversion = defineStrategy({
  name: 'bollinger_reversion',
  label: 'Bollinger reversion',
  description: 'Fades the close vs Bollinger bands: −0.5 on the upper band, +0.5 on the lower band.',
  family: 'mean_reversion',
  params: {
    lookback: barsParam(20, 3, 200, 'Bollinger period in bars'),
    numStd: realParam(2, 0.5, 4, 'band half-width in standard deviations'),
  },
  warmUp: (p) => p.lookback,
  createState(p) {
    const bb = new BollingerBands(p.lookback, p.numStd);
    let close = Number.NaN;
    return {
      update(candle) {
        bb.update(candle.close, false);
        close = candle.close;
      },
      read() {
        const b = bb.getResult();
        if (!b) return { signal: 0, reason: 'bands not ready' };
        const half = b.upper - b.middle;
        if (!(half > 0)) return noMovement();
        const last = close;
        const pos = (last - b.middle) / half;
        return explained(
          -pos / 2,
          () => `close ${fmt(last)} vs bands ${fmt(b.lower)}/${fmt(b.middle)}/${fmt(b.upper)}: ${fmt(pos, 3)} band widths from middle`,
        );
      },
    };
  },
});

/**
 * Mean reversion by distance from SMA(lookback) in ATR(14): 1.5 ATR above gives −0.5, 3 ATR −1.
 * (The original ran a z-score on one-second ticks; this one is on candles and ATR-scaled.)
 */
export const meanReversion = defineStrategy({
  name: 'mean_reversion',
  label: 'Mean reversion',
  description: "Fades the close's distance from the SMA in ATR(14): 1.5 ATR gives ∓0.5.",
  family: 'mean_reversion',
  params: { lookback: barsParam(20, 3, 200, 'SMA period in bars') },
  warmUp: (p) => Math.max(p.lookback, 15),
  memory: () => smoothingMemory(14),
  createState(p) {
    const atr = atrStream(14);
    const sma = new SMA(p.lookback);
    let mean = 0;
    let close = Number.NaN;
    return {
      update(candle) {
        atr.update(candle);
        mean = sma.update(candle.close, false) ?? mean;
        close = candle.close;
      },
      read() {
        const range = atr.value;
        if (!range) return noMovement();
        const last = close;
        const sma = mean;
        const d = (last - sma) / range;
        return explained(-d / 3, () => `close ${fmt(last)} is ${fmt(d, 3)} ATR from SMA${p.lookback} ${fmt(sma)}`);
      },
    };
  },
});

/**
 * Keltner/Bollinger fade: averages the close's position in the Keltner channel (EMA ± 2·ATR)
 * and in the Bollinger bands (SMA ± 2σ), both from `trading-signals`, and fades it: −0.5 when the
 * close sits on both upper bands.
 */
export const keltnerBollinger = defineStrategy({
  name: 'keltner_bollinger',
  label: 'Keltner/Bollinger fade',
  description: 'Fades the mean position in Keltner and Bollinger channels: −0.5 on the upper bands.',
  family: 'mean_reversion',
  params: {
    lookback: barsParam(20, 3, 200, 'EMA/SMA and ATR period in bars'),
    kcMult: realParam(2, 0.5, 5, 'Keltner half-width in ATRs'),
    bbStd: realParam(2, 0.5, 4, 'Bollinger half-width in standard deviations'),
  },
  warmUp: (p) => p.lookback + 1,
  memory: (p) => smoothingMemory(p.lookback),
  createState(p) {
    const kc = new KeltnerChannels({ emaInterval: p.lookback, atrInterval: p.lookback, multiplier: p.kcMult });
    const bb = new BollingerBands(p.lookback, p.bbStd);
    let close = Number.NaN;
    return {
      update(candle) {
        kc.update(candle, false);
        bb.update(candle.close, false);
        close = candle.close;
      },
      read() {
        const k = kc.getResult();
        const b = bb.getResult();
        if (!k || !b) return { signal: 0, reason: 'channels not ready' };
        const kHalf = k.upper - k.middle;
        const bHalf = b.upper - b.middle;
        if (!(kHalf > 0) || !(bHalf > 0)) return noMovement();
        const last = close;
        const kPos = (last - k.middle) / kHalf;
        const bPos = (last - b.middle) / bHalf;
        return explained(
          -(kPos + bPos) / 4,
          () =>
            `close ${fmt(last)}: ${fmt(kPos, 3)} of Keltner half-width (EMA ${fmt(k.middle)}), ${fmt(bPos, 3)} of Bollinger half-width (SMA ${fmt(b.middle)})`,
        );
      },
    };
  },
});
