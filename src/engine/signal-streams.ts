/**
 * The engine's default `SignalFn`: strategies evaluated incrementally. It keeps one stream per
 * (strategy, lookback) and, on each call, pushes only the candles newer than the last one it
 * pushed, so a tick on unchanged candles costs nothing and a new bar costs one push (a backtest
 * feeding a year bar by bar does a year of pushes, not a year of windows).
 *
 * When the candles given do not continue what was pushed (the last pushed bar is gone from them,
 * or it changed: a bar still forming when it was pushed, a provider's correction, another
 * series), the stream is rebuilt from the candles given, as `Strategy.evaluate` does (the last
 * `historyCandles`). The signal then equals `evaluate` on those candles; afterwards it differs
 * from `evaluate` on the latest window only by the weight of older bars in recursive smoothing
 * (below 1e-6 of the signal on 250 candles: test/engine/strategies/streams.test.ts).
 */
import type { Candle } from '../shared/market.js';
import type { SignalFn } from './session.js';
import { getStrategy, type SignalStream, type StrategySignal } from './strategies/index.js';

/** Streams kept at most (least recently used dropped first): a session uses a few. */
const MAX_STREAMS = 64;

interface Entry {
  stream: SignalStream;
  /** A copy of the last candle pushed. */
  last: Candle;
  /** The signal at `last`; null before the first push. */
  signal: StrategySignal | null;
}

export function createStreamingSignals(): SignalFn {
  const entries = new Map<string, Entry>();
  // The plan's strategy is asked every tick: its key is kept instead of built each time.
  let lastAsked = { strategy: '', lookback: NaN, key: '' };

  return (strategy, candles, params) => {
    if (candles.length === 0) return getStrategy(strategy).evaluate(candles, params);
    if (lastAsked.strategy !== strategy || lastAsked.lookback !== params.lookback) {
      lastAsked = { strategy, lookback: params.lookback, key: `${strategy}:${params.lookback}` };
    }
    const key = lastAsked.key;
    const kept = entries.get(key);
    // Map order is the recency order: the entry used now goes last.
    entries.delete(key);
    const from = kept ? continuation(kept.last, candles) : -1;
    if (kept && from > 0) {
      entries.set(key, kept);
      return from === candles.length && kept.signal ? kept.signal : feed(kept, candles, from);
    }
    const s = getStrategy(strategy);
    const entry: Entry = { stream: s.stream(params), last: candles[0], signal: null };
    entries.set(key, entry);
    if (entries.size > MAX_STREAMS) entries.delete(entries.keys().next().value!);
    return feed(entry, candles, Math.max(0, candles.length - s.historyCandles(params)));
  };
}

/** Pushes `candles[from..]` into the entry's stream; returns the signal at the last one. */
function feed(entry: Entry, candles: readonly Candle[], from: number): StrategySignal {
  const last = candles.length - 1;
  for (let i = from; i < last; i++) entry.stream.advance(candles[i]);
  const signal = entry.stream.push(candles[last]);
  entry.signal = signal;
  entry.last = { ...candles[last] };
  return signal;
}

/**
 * Index of the first candle after `last` when `candles` (oldest first) still hold `last`
 * unchanged; -1 when they do not continue it.
 */
function continuation(last: Candle, candles: readonly Candle[]): number {
  let i = candles.length - 1;
  while (i >= 0 && candles[i].openTime > last.openTime) i--;
  return i >= 0 && sameCandle(candles[i], last) ? i + 1 : -1;
}

function sameCandle(a: Candle, b: Candle): boolean {
  return (
    a.openTime === b.openTime && a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close && a.volume === b.volume
  );
}
