/**
 * Where cached candles live: one row per candle, keyed by (symbol id, interval, openTime), upserted.
 * The PostgreSQL implementation (table `candles`, PK symbol+interval+open_time) lives with the DB
 * layer; the in-memory one here serves tests, benches and runs without a database.
 */
import { INTERVAL_MS, type Candle, type Interval } from '../../shared/market.js';

export interface CandleStore {
  /**
   * Candles of (`symbolId`, `interval`) with `openTime >= fromMs`, oldest-first, at most `limit`
   * (the OLDEST `limit` of that range).
   */
  getRange(symbolId: string, interval: Interval, fromMs: number, limit: number): Promise<Candle[]>;
  /** The NEWEST `limit` candles of (`symbolId`, `interval`), oldest-first (`ORDER BY open_time DESC LIMIT n`, reversed). */
  getLatest(symbolId: string, interval: Interval, limit: number): Promise<Candle[]>;
  /**
   * Final bars of (`symbolId`, `interval`) with `fromMs <= openTime <= toMs`, oldest-first: only rows
   * stored after their bar closed (`fetched_at >= openTime + interval`). A bar cached while still
   * forming holds partial values until it is fetched again, so it is left out. Always read from
   * the table of record (backtests read long ranges once; nothing to gain from a memory layer).
   */
  getClosedRange(symbolId: string, interval: Interval, fromMs: number, toMs: number): Promise<Candle[]>;
  /** Insert or replace candles by `openTime` (a re-fetched, still-forming bar overwrites its row). */
  upsert(symbolId: string, interval: Interval, candles: readonly Candle[]): Promise<void>;
}

export interface MemoryCandleStore extends CandleStore {
  /** Number of stored rows, for assertions. */
  size(): number;
}

/**
 * One series' candles by `openTime`, as the memory store and the PostgreSQL store's hot series keep
 * them: `sorted` is the keys ascending, rebuilt lazily after an insert of a new `openTime`.
 */
export interface SortedCandles {
  rows: Map<number, Candle>;
  sorted: number[] | undefined;
}

/** `series`' keys ascending (rebuilt if an insert invalidated them). */
export function sortedKeys(series: SortedCandles): number[] {
  series.sorted ??= [...series.rows.keys()].sort((a, b) => a - b);
  return series.sorted;
}

/** Index of the first key `>= fromMs` in ascending `keys`. */
export function lowerBound(keys: number[], fromMs: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < fromMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Copies of `series`' candles at `openTimes` (callers may mutate what they get). */
export function candlesAt(series: SortedCandles, openTimes: number[]): Candle[] {
  return openTimes.map((t) => ({ ...series.rows.get(t)! }));
}

/** Inserts or replaces a copy of `candle` in `series`. */
export function setCandle(series: SortedCandles, candle: Candle): void {
  if (!series.rows.has(candle.openTime)) series.sorted = undefined;
  series.rows.set(candle.openTime, { ...candle });
}

export function createMemoryCandleStore(options: { now?: () => number } = {}): MemoryCandleStore {
  const now = options.now ?? Date.now;
  /** Per series: openTime → candle, plus a lazily rebuilt sorted key list. */
  const series = new Map<string, SortedCandles>();
  /** Per series: openTime → when the row was last written (ms), as `fetched_at`. */
  const fetchedAt = new Map<string, Map<number, number>>();

  function seriesOf(symbolId: string, interval: Interval) {
    const key = `${symbolId}|${interval}`;
    let s = series.get(key);
    if (!s) {
      s = { rows: new Map(), sorted: undefined };
      series.set(key, s);
    }
    return s;
  }

  return {
    async getLatest(symbolId, interval, limit) {
      const s = series.get(`${symbolId}|${interval}`);
      if (!s || limit <= 0) return [];
      return candlesAt(s, sortedKeys(s).slice(-limit));
    },
    async getRange(symbolId, interval, fromMs, limit) {
      const s = series.get(`${symbolId}|${interval}`);
      if (!s || limit <= 0) return [];
      const keys = sortedKeys(s);
      const start = lowerBound(keys, fromMs);
      return candlesAt(s, keys.slice(start, start + limit));
    },
    async getClosedRange(symbolId, interval, fromMs, toMs) {
      const key = `${symbolId}|${interval}`;
      const s = series.get(key);
      if (!s) return [];
      const keys = sortedKeys(s);
      const written = fetchedAt.get(key)!;
      const closed: number[] = [];
      for (let i = lowerBound(keys, fromMs); i < keys.length && keys[i]! <= toMs; i++) {
        if (written.get(keys[i]!)! >= keys[i]! + INTERVAL_MS[interval]) closed.push(keys[i]!);
      }
      return candlesAt(s, closed);
    },
    async upsert(symbolId, interval, candles) {
      const s = seriesOf(symbolId, interval);
      const key = `${symbolId}|${interval}`;
      const written = fetchedAt.get(key) ?? new Map<number, number>();
      fetchedAt.set(key, written);
      const t = now();
      for (const c of candles) {
        setCandle(s, c);
        written.set(c.openTime, t);
      }
    },
    size() {
      let n = 0;
      for (const s of series.values()) n += s.rows.size;
      return n;
    },
  };
}
