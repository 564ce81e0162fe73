/**
 * One simulated price path per symbol, served at every interval with random access.
 *
 * Contract (exact, not approximate): a bar of any interval is the aggregate of the 1-minute bars
 * it covers: open of the first, close of the last, highest high, lowest low, summed volume. So at
 * any instant every interval's last closed bar closes at the 1-minute close at its end.
 *
 * Built top-down, so that 500 daily bars cost 500 draws rather than 720 000 minute bars:
 * - Daily log closes follow an Ornstein–Uhlenbeck walk around the profile's price (half-life 60
 *   days, so prices stay plausible over years); a day's high and low are draws of the maximum and
 *   minimum of a Brownian bridge between its open and close.
 * - A bar splits into its children along the interval ladder (1d → 6×4h → 4×1h → 2×30m → 2×15m →
 *   3×5m → 5×1m), drawn close to their law given the parent's open, high, low and close (see
 *   `bridge-split.ts`), so every level keeps the volatility of the profile.
 * - The exact equalities are then enforced on the prices themselves (shared boundary values, the
 *   parent's high and low copied into one child each), so they do not depend on rounding in exp/log.
 * - Volumes are whole multiples of `VOLUME_QUANTUM` split by integer allocation, so sums are exact.
 *
 * Prices are in quote currency (exp of log prices: always positive), times in UTC ms, volumes in
 * base units. Everything is a pure function of (key, interval, index); computed children are kept
 * in a bounded LRU so that consecutive bars share their ancestors.
 */
import { INTERVAL_MS, INTERVALS, type Candle, type Interval } from '../../shared/market.js';
import { bridgeMax, FREE_STREAM, MAX_CHILDREN, splitBar, type LogBar } from './bridge-split.js';
import { exponential, hash3, normal } from './seeded-noise.js';

/** First simulated bar (2020-01-01T00:00:00Z), aligned to every interval. */
export const SIMULATION_EPOCH_MS = Date.UTC(2020, 0, 1);

/** Volume unit, in base units: a power of two, so whole multiples add up exactly in float64. */
export const VOLUME_QUANTUM = 2 ** -12;

const YEAR_MS = 365 * 86_400_000;
/** Mean-reversion half-life of the log price, in ms (60 days). */
const HALF_LIFE_MS = 60 * 86_400_000;
/** Children arrays kept per path (a few bars each), so consecutive bars share their ancestors. */
const MEMO_SIZE = 4_096;

/** Intervals from the base (shortest) to the top (longest); each divides the next. */
const LEVELS: readonly Interval[] = [...INTERVALS].sort((a, b) => INTERVAL_MS[a] - INTERVAL_MS[b]);
const TOP = LEVELS.length - 1;
const LEVEL_OF = Object.fromEntries(LEVELS.map((interval, level) => [interval, level])) as Record<Interval, number>;
/** Children per bar of the level above: `RATIO[level]` bars of `level` make one of `level + 1`. */
const RATIO = LEVELS.map((interval, level) => (level === TOP ? 1 : INTERVAL_MS[LEVELS[level + 1]!] / INTERVAL_MS[interval]));
/** 1-minute (base) bars covered by one bar of each level. */
const BASE_BARS = LEVELS.map((interval) => INTERVAL_MS[interval] / INTERVAL_MS[LEVELS[0]!]);

for (const [level, ratio] of RATIO.entries()) {
  if (!Number.isInteger(ratio) || ratio > MAX_CHILDREN || SIMULATION_EPOCH_MS % INTERVAL_MS[LEVELS[level]!] !== 0) {
    throw new Error(`simulated market: interval ${LEVELS[level]} must divide the next one (at most ${MAX_CHILDREN} times) and the epoch`);
  }
}

/** What a simulated symbol looks like. */
export interface PathProfile {
  /** Price the walk reverts to (quote currency). */
  price: number;
  /** Annualised volatility of the log price (fraction, 0.55 = 55 %). */
  vol: number;
  /** Mean volume per 1-minute bar (base units). */
  volume: number;
}

export interface PricePath {
  /** Bar `index` (≥ 0) of `interval`: it opens at `SIMULATION_EPOCH_MS + index * INTERVAL_MS[interval]`. */
  candle(interval: Interval, index: number): Candle;
}

/** A bar without its time; `quanta` is the volume in `VOLUME_QUANTUM` units (an integer). */
interface Bar {
  open: number;
  high: number;
  low: number;
  close: number;
  quanta: number;
}

const logsOf = (b: Bar): LogBar => ({ o: Math.log(b.open), h: Math.log(b.high), l: Math.log(b.low), c: Math.log(b.close) });

/** Splits `total` (an integer) into parts of at least `least`, proportional to `weights` beyond that; exact. */
function allocate(total: number, least: number, weights: readonly number[]): number[] {
  const spare = total - least * weights.length;
  const sum = weights.reduce((s, w) => s + w, 0);
  const parts = weights.map((w) => least + Math.floor((spare * w) / sum));
  let left = total - parts.reduce((s, q) => s + q, 0);
  for (let j = 0; left > 0; j = (j + 1) % parts.length, left--) parts[j]! += 1;
  return parts;
}

/**
 * Children of `parent` in prices, from their log draft: shared boundaries (the first open and the
 * last close are the parent's own values), everything clamped to the parent's range, and the
 * parent's high and low copied into the children that reach them, so the aggregate is exact.
 */
function toChildren(parent: Bar, draft: readonly LogBar[]): Bar[] {
  const { high, low } = parent;
  const bars: Bar[] = [];
  let highest = 0;
  let lowest = 0;
  for (const [j, d] of draft.entries()) {
    const open = j === 0 ? parent.open : bars[j - 1]!.close;
    const close = j === draft.length - 1 ? parent.close : Math.min(high, Math.max(low, Math.exp(draft[j + 1]!.o)));
    const bar = {
      open,
      close,
      high: Math.max(open, close, Math.min(high, Math.exp(d.h))),
      low: Math.min(open, close, Math.max(low, Math.exp(d.l))),
      quanta: 0,
    };
    bars.push(bar);
    if (bar.high > bars[highest]!.high) highest = j;
    if (bar.low < bars[lowest]!.low) lowest = j;
  }
  bars[highest]!.high = high;
  bars[lowest]!.low = low;
  return bars;
}

export function createPricePath(key: number, profile: PathProfile): PricePath {
  const mu = Math.log(profile.price);
  /** Standard deviation of the log price over one bar of each level. */
  const sigma = LEVELS.map((interval) => profile.vol * Math.sqrt(INTERVAL_MS[interval] / YEAR_MS));
  const levelKey = LEVELS.map((_, level) => hash3(key, level, 0x5eed));
  const theta = Math.min(1, (Math.LN2 * INTERVAL_MS[LEVELS[TOP]!]) / HALF_LIFE_MS);
  /** Log closes of the top-level bars computed so far (the walk is sequential only at the top). */
  const topCloses: number[] = [];
  const memo = new Map<number, Bar[]>();

  function topClose(index: number): number {
    while (topCloses.length <= index) {
      const i = topCloses.length;
      const prev = i === 0 ? mu : topCloses[i - 1]!;
      topCloses.push(prev + theta * (mu - prev) + sigma[TOP]! * normal(levelKey[TOP]!, i, 0));
    }
    return topCloses[index]!;
  }

  function topBar(index: number): Bar {
    const o = index === 0 ? mu : topClose(index - 1);
    const c = topClose(index);
    const s = sigma[TOP]!;
    const k = levelKey[TOP]!;
    const open = Math.exp(o);
    const close = Math.exp(c);
    const mean = profile.volume * BASE_BARS[TOP]! * Math.exp(0.5 * normal(k, index, 3) - 0.125);
    return {
      open,
      close,
      high: Math.max(open, close, Math.exp(bridgeMax(o, c, s * s, exponential(k, index, 1)))),
      low: Math.min(open, close, Math.exp(-bridgeMax(-o, -c, s * s, exponential(k, index, 2)))),
      quanta: Math.max(BASE_BARS[TOP]!, Math.round(mean / VOLUME_QUANTUM)),
    };
  }

  function children(level: number, parentIndex: number): Bar[] {
    const memoKey = parentIndex * LEVELS.length + level;
    let bars = memo.get(memoKey);
    if (bars) {
      memo.delete(memoKey);
    } else {
      const parent = bar(level + 1, parentIndex);
      const noise = { key: levelKey[level]!, index: parentIndex };
      bars = toChildren(parent, splitBar(logsOf(parent), RATIO[level]!, sigma[level]!, noise));
      // Volume follows activity: a log-normal share, larger for wider bars.
      const weights = bars.map(
        (b, j) => Math.exp(0.4 * normal(noise.key, parentIndex, FREE_STREAM + j)) * (0.5 + Math.log(b.high / b.low) / sigma[level]!),
      );
      allocate(parent.quanta, BASE_BARS[level]!, weights).forEach((q, j) => (bars![j]!.quanta = q));
      if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!);
    }
    memo.set(memoKey, bars);
    return bars;
  }

  function bar(level: number, index: number): Bar {
    if (level === TOP) return topBar(index);
    const parentIndex = Math.floor(index / RATIO[level]!);
    return children(level, parentIndex)[index - parentIndex * RATIO[level]!]!;
  }

  return {
    candle(interval, index) {
      const b = bar(LEVEL_OF[interval], index);
      const openTime = SIMULATION_EPOCH_MS + index * INTERVAL_MS[interval];
      return { openTime, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.quanta * VOLUME_QUANTUM };
    },
  };
}
