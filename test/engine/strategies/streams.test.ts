/**
 * Every strategy's stream against its window evaluation: a stream fed a simulated series bar by
 * bar gives, at every bar from 1,000 on, the signal `evaluate` gives on the agent's 250-candle
 * window ending there (within 1e-6: recursive smoothing in the window starts 250 bars back, in
 * the stream at the first bar), with the same warming-up flag; and during warm-up the same
 * answers as `evaluate` on the candles so far.
 */
import { describe, expect, it } from 'vitest';
import { STRATEGIES, type Strategy, type StrategyParams } from '../../../src/engine/strategies/index.js';
import { createPricePath } from '../../../src/hub/market/simulated-path.js';
import type { Candle } from '../../../src/shared/market.js';

const BARS = 3_000;
const CHECK_FROM = 1_000;
/** The agent's candle window (tick-loop.ts fetches 250 at least). */
const WINDOW = 250;
const TOLERANCE = 1e-6;

const candles: Candle[] = (() => {
  const path = createPricePath(7, { price: 65_000, vol: 0.55, volume: 12 });
  return Array.from({ length: BARS }, (_, i) => path.candle('15m', i));
})();

/**
 * The non-default parameters checked: 70 % of the default lookback; strategies without one
 * (fixed textbook periods) get 75 % of their first parameter instead, since they ignore lookback.
 */
function nonDefault(s: Strategy): StrategyParams {
  const [key, spec] = 'lookback' in s.params ? ['lookback', s.params.lookback] : Object.entries(s.params)[0];
  const factor = key === 'lookback' ? 0.7 : 0.75;
  const value = Math.max(spec.min, Math.round(spec.default * factor));
  expect(value).not.toBe(spec.default);
  return { [key]: value };
}

describe.each(STRATEGIES.map((s) => [s.name, s] as const))('%s stream', (_name, strategy) => {
  it.each([
    ['default parameters', undefined],
    ['non-default parameters', nonDefault(strategy)],
  ] as const)('matches evaluate on the 250-candle window at every bar (%s)', (_label, params) => {
    const stream = strategy.stream(params);
    let worst = 0;
    let acting = 0;
    for (let t = 0; t < BARS; t++) {
      const streamed = stream.push(candles[t]);
      if (t < CHECK_FROM) continue;
      const windowed = strategy.evaluate(candles.slice(t - WINDOW + 1, t + 1), params);
      expect(streamed.warmingUp, `bar ${t}`).toBe(windowed.warmingUp);
      worst = Math.max(worst, Math.abs(streamed.signal - windowed.signal));
      if (Math.abs(streamed.signal) >= 0.3) acting++;
    }
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
    // The comparison is about signals that matter: the series makes every strategy speak.
    expect(acting).toBeGreaterThan(0);
  });

  it('warms up exactly as evaluate does, and evaluate is the stream fed the candles', () => {
    const need = strategy.minCandles;
    const stream = strategy.stream();
    for (let t = 0; t < need + 5; t++) {
      const streamed = stream.push(candles[t]);
      const evaluated = strategy.evaluate(candles.slice(0, t + 1));
      expect(streamed.warmingUp, `bar ${t}`).toBe(t + 1 < need ? true : undefined);
      expect(evaluated.warmingUp, `bar ${t}`).toBe(streamed.warmingUp);
      expect([streamed.signal, streamed.reason], `bar ${t}`).toEqual([evaluated.signal, evaluated.reason]);
    }
    expect(stream.length).toBe(need + 5);
  });

  it("keeps each bar's reason when read later, after the stream moved on", () => {
    const stream = strategy.stream();
    const reference = strategy.stream();
    for (let t = 0; t < 600; t++) {
      stream.advance(candles[t]);
      reference.advance(candles[t]);
    }
    const held = [600, 601, 602].map((t) => stream.push(candles[t]));
    const readAtOnce = [600, 601, 602].map((t) => {
      const sig = reference.push(candles[t]);
      return { signal: sig.signal, reason: sig.reason };
    });
    for (let t = 603; t < 620; t++) stream.push(candles[t]);
    expect(held.map((sig) => ({ signal: sig.signal, reason: sig.reason }))).toEqual(readAtOnce);
    // Serialized copies carry the reason too.
    expect(JSON.parse(JSON.stringify(held[0]))).toEqual(readAtOnce[0]);
  });
});
