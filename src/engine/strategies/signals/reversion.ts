/**
 * Mean-reversion strategies around a moving average: z-score, Bollinger reversion, ATR distance
 * from the SMA, and the Keltner/Bollinger fade. All are negative above the mean.
 */
import { BollingerBands, KeltnerChannels, SMA, getAverage } from 'trading-signals';
import { barsParam, defineStrategy, fmt, noMovement, realParam } from '../define-strategy.js';
import { closesOf, stdDev } from '../indicators.js';
import { atr, smoothingStart } from '../measures.js';

/** Z-score of the close against the last `lookback` closes, faded: 1.5σ gives ∓0.5, 3σ ∓1. */
export const zScore = defineStrategy({
  name: 'z_score',
  label: 'Z-score reversion',
  description: "Fades the close's z-score over the lookback: +1.5σ gives −0.5, +3σ gives −1.",
  family: 'mean_reversion',
  params: { lookback: barsParam(20, 3, 200, 'bars in the mean/deviation window') },
  warmUp: (p) => p.lookback,
  compute(candles, p) {
    const window = closesOf(candles, p.lookback);
    const sd = stdDev(window);
    if (!(sd > 0)) return noMovement();
    const mean = getAverage(window);
    const last = window[window.length - 1];
    const z = (last - mean) / sd;
    return { signal: -z / 3, reason: `close ${fmt(last)} is ${fmt(z, 3)}σ from ${p.lookback}-bar mean ${fmt(mean)}` };
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
  compute(candles, p) {
    const bb = new BollingerBands(p.lookback, p.numStd);
    for (const c of closesOf(candles, p.lookback)) bb.update(c, false);
    const b = bb.getResult();
    if (!b) return { signal: 0, reason: 'bands not ready' };
    const half = b.upper - b.middle;
    if (!(half > 0)) return noMovement();
    const last = candles[candles.length - 1].close;
    const pos = (last - b.middle) / half;
    return {
      signal: -pos / 2,
      reason: `close ${fmt(last)} vs bands ${fmt(b.lower)}/${fmt(b.middle)}/${fmt(b.upper)}: ${fmt(pos, 3)} band widths from middle`,
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
  compute(candles, p) {
    const range = atr(candles, 14);
    if (!range) return noMovement();
    const sma = new SMA(p.lookback);
    let mean = 0;
    for (const c of closesOf(candles, p.lookback)) mean = sma.update(c, false) ?? mean;
    const last = candles[candles.length - 1].close;
    const d = (last - mean) / range;
    return { signal: -d / 3, reason: `close ${fmt(last)} is ${fmt(d, 3)} ATR from SMA${p.lookback} ${fmt(mean)}` };
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
  compute(candles, p) {
    const kc = new KeltnerChannels({ emaInterval: p.lookback, atrInterval: p.lookback, multiplier: p.kcMult });
    for (let i = smoothingStart(candles.length, p.lookback); i < candles.length; i++) kc.update(candles[i], false);
    const bb = new BollingerBands(p.lookback, p.bbStd);
    for (const c of closesOf(candles, p.lookback)) bb.update(c, false);
    const k = kc.getResult();
    const b = bb.getResult();
    if (!k || !b) return { signal: 0, reason: 'channels not ready' };
    const kHalf = k.upper - k.middle;
    const bHalf = b.upper - b.middle;
    if (!(kHalf > 0) || !(bHalf > 0)) return noMovement();
    const last = candles[candles.length - 1].close;
    const kPos = (last - k.middle) / kHalf;
    const bPos = (last - b.middle) / bHalf;
    return {
      signal: -(kPos + bPos) / 4,
      reason: `close ${fmt(last)}: ${fmt(kPos, 3)} of Keltner half-width (EMA ${fmt(k.middle)}), ${fmt(bPos, 3)} of Bollinger half-width (SMA ${fmt(b.middle)})`,
    };
  },
});
