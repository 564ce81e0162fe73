import { describe, expect, it } from 'vitest';
import { createStreamingSignals } from '../../src/engine/signal-streams.js';
import { getStrategy, type StrategyName } from '../../src/engine/strategies/index.js';
import type { Candle } from '../../src/shared/market.js';
import { randomWalk } from '../fixtures/candles.js';

const WINDOW = 250;
const candles = randomWalk(700, { seed: 17, vol: 0.01 });
/** Recursive smoothing: a stream rebuilt from a window differs (slightly) from one run since bar 0. */
const RECURSIVE: StrategyName = 'ema_crossover';

/** The signal of a stream fed `candles[0..t]`, bar by bar. */
function continuous(name: StrategyName, lookback: number, t: number): number {
  const stream = getStrategy(name).stream({ lookback });
  for (let i = 0; i < t; i++) stream.advance(candles[i]);
  return stream.push(candles[t]).signal;
}

const windowAt = (t: number): Candle[] => candles.slice(t - WINDOW + 1, t + 1);

describe('createStreamingSignals', () => {
  it('pushes only the candles a sliding window adds: the signal of one stream run since the first window', () => {
    const signals = createStreamingSignals();
    const first = WINDOW - 1;
    signals(RECURSIVE, candles.slice(0, WINDOW), { lookback: 20 });
    for (const t of [first + 1, first + 2, first + 50, first + 51, first + 250]) {
      const got = signals(RECURSIVE, windowAt(t), { lookback: 20 }).signal;
      expect(got).toBe(continuous(RECURSIVE, 20, t));
      // A rebuild from the window would give evaluate's value, which differs in the last bits.
      expect(got).not.toBe(getStrategy(RECURSIVE).evaluate(windowAt(t), { lookback: 20 }).signal);
      expect(got).toBeCloseTo(getStrategy(RECURSIVE).evaluate(windowAt(t), { lookback: 20 }).signal, 6);
    }
  });

  it('answers unchanged candles from the last signal, also from a new array of equal candles', () => {
    const signals = createStreamingSignals();
    const first = signals('momentum', windowAt(400), { lookback: 10 });
    expect(signals('momentum', windowAt(400), { lookback: 10 })).toBe(first);
    expect(
      signals(
        'momentum',
        windowAt(400).map((c) => ({ ...c })),
        { lookback: 10 },
      ),
    ).toBe(first);
  });

  it('rebuilds from the candles given when the last bar changed (still forming) or the window jumped past it', () => {
    const signals = createStreamingSignals();
    signals(RECURSIVE, windowAt(400), { lookback: 20 });
    const forming = windowAt(401);
    forming[forming.length - 1] = { ...forming[forming.length - 1], close: forming[forming.length - 1].close * 1.01 };
    signals(RECURSIVE, forming, { lookback: 20 });
    const closed = windowAt(401);
    const strategy = getStrategy(RECURSIVE);
    expect(signals(RECURSIVE, closed, { lookback: 20 }).signal).toBe(strategy.evaluate(closed, { lookback: 20 }).signal);
    const jumped = windowAt(699);
    expect(signals(RECURSIVE, jumped, { lookback: 20 }).signal).toBe(strategy.evaluate(jumped, { lookback: 20 }).signal);
    const older = windowAt(300);
    expect(signals(RECURSIVE, older, { lookback: 20 }).signal).toBe(strategy.evaluate(older, { lookback: 20 }).signal);
  });

  it('keeps one stream per strategy and lookback, and warms up like evaluate', () => {
    const signals = createStreamingSignals();
    for (const t of [300, 301, 302]) {
      for (const lookback of [10, 30]) {
        expect(signals('z_score', windowAt(t), { lookback }).signal).toBe(continuous('z_score', lookback, t));
      }
      expect(signals('rsi_signal', windowAt(t), { lookback: 14 }).signal).toBeCloseTo(
        getStrategy('rsi_signal').evaluate(windowAt(t)).signal,
        6,
      );
    }
    expect(signals('momentum', [], { lookback: 10 }).warmingUp).toBe(true);
    expect(signals('momentum', candles.slice(0, 5), { lookback: 10 })).toEqual(getStrategy('momentum').evaluate(candles.slice(0, 5)));
    expect(signals('momentum', candles.slice(0, 30), { lookback: 10 }).signal).toBe(continuous('momentum', 10, 29));
  });
});
