/**
 * PostgreSQL `CandleStore`: the hub's candle cache, one row per candle in table `candles`
 * (PK symbol + interval + open_time, see `src/db/entities/candle.ts`).
 *
 * - `upsert` writes a whole batch in ONE statement: the rows travel as a single `jsonb` parameter
 *   expanded by `jsonb_to_recordset` (MikroORM/knex would expand a JS array binding into a list of
 *   placeholders), then `insert … on conflict (symbol, interval, open_time) do update`, so a
 *   re-fetched, still-forming bar overwrites its row.
 * - Reads come back as one `json_agg` value rather than one wire row per candle (about 3x faster
 *   for a few hundred bars with node-postgres).
 * - Every row carries the provider that produced it (`source`). Reads only return rows of this
 *   store's `source`: after switching MARKET_DATA from `simulated` to a real provider, synthetic
 *   bars left in the table are never served as real ones (they are overwritten bar by bar).
 * - Hot series (`hotSeries`, default 512, LRU) are also kept in process memory, write-through:
 *   agents poll the same few series every few seconds, and a fresh hit must not cost a query.
 *   This is sound because the hub is the table's only writer: for a hot series the memory holds
 *   EVERY row of the table with `openTime >= coverFrom`, so any read at or after `coverFrom` is
 *   answered from memory; anything older goes to PostgreSQL. A restart starts cold and reloads
 *   from PostgreSQL, which stays the cache of record.
 */
import type { Orm } from '../../db/orm.js';
import type { Candle, Interval } from '../../shared/market.js';
import type { CandleStore } from './candle-store.js';

export interface PgCandleStoreOptions {
  /** Provider name written to `source` and used to filter reads (default `'unknown'`). */
  source?: string;
  /** Clock for `fetched_at`, ms (default `Date.now`). */
  now?: () => number;
  /** Series kept in memory, least recently used evicted (default 512; 0: every read queries PostgreSQL). */
  hotSeries?: number;
  /** Rows kept in memory per hot series, newest first (default 5 000). */
  hotRowsPerSeries?: number;
}

/** A series mirrored in memory. Invariant: `rows` = every stored row with `openTime >= coverFrom`. */
interface HotSeries {
  /** `-Infinity` when the table holds nothing older than `rows`. */
  coverFrom: number;
  rows: Map<number, Candle>;
  /** `rows` keys ascending, rebuilt lazily after an insert. */
  sorted: number[] | undefined;
}

/** `[openTime, open, high, low, close, volume]` as `json_build_array` returns it. */
type CandleTuple = [number, number, number, number, number, number];

const toCandle = ([openTime, open, high, low, close, volume]: CandleTuple): Candle => ({ openTime, open, high, low, close, volume });

function sortedKeys(hot: HotSeries): number[] {
  hot.sorted ??= [...hot.rows.keys()].sort((a, b) => a - b);
  return hot.sorted;
}

/** Index of the first key `>= fromMs` in ascending `keys`. */
function lowerBound(keys: number[], fromMs: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < fromMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function createPgCandleStore(orm: Orm, options: PgCandleStoreOptions = {}): CandleStore {
  const source = options.source ?? 'unknown';
  const now = options.now ?? Date.now;
  const hotSeries = options.hotSeries ?? 512;
  const hotRows = options.hotRowsPerSeries ?? 5_000;
  const hot = new Map<string, HotSeries>();
  /**
   * Per series key: upserts in progress and upserts finished. A read that overlapped an upsert may
   * hold a view from before it, so it does not install that view in memory.
   */
  const writes = new Map<string, { pending: number; done: number }>();
  /** The last write queued per series (see `upsert`). */
  const writeChains = new Map<string, Promise<void>>();
  const connection = () => orm.em.getConnection();

  async function queryCandles(sql: string, params: unknown[]): Promise<Candle[]> {
    const rows: Array<{ candles: CandleTuple[] | null }> = await connection().execute(sql, params);
    return (rows[0]?.candles ?? []).map(toCandle);
  }

  function touch(key: string, series: HotSeries): void {
    hot.delete(key);
    hot.set(key, series);
    if (hot.size > hotSeries) hot.delete(hot.keys().next().value!);
  }

  function trim(series: HotSeries): void {
    if (series.rows.size <= hotRows) return;
    const keys = sortedKeys(series);
    const drop = keys.length - hotRows;
    for (let i = 0; i < drop; i++) series.rows.delete(keys[i]!);
    series.sorted = keys.slice(drop);
    series.coverFrom = series.sorted[0]!;
  }

  return {
    async getLatest(symbolId: string, interval: Interval, limit: number): Promise<Candle[]> {
      if (limit <= 0) return [];
      const key = `${symbolId}|${interval}`;
      const cached = hot.get(key);
      if (cached) {
        const keys = sortedKeys(cached);
        if (keys.length >= limit || cached.coverFrom === -Infinity) {
          touch(key, cached);
          return keys.slice(-limit).map((t) => ({ ...cached.rows.get(t)! }));
        }
      }
      const before = writes.get(key);
      const quietBefore = !before || before.pending === 0;
      const doneBefore = before?.done ?? 0;
      const candles = await queryCandles(
        `select json_agg(json_build_array(open_time, open, high, low, close, volume) order by open_time) as candles
           from (select open_time, open, high, low, close, volume from candles
                  where symbol = ? and "interval" = ? and source = ?
                  order by open_time desc limit ?) newest`,
        [symbolId, interval, source, Math.floor(limit)],
      );
      const after = writes.get(key);
      if (hotSeries > 0 && quietBefore && (!after || (after.pending === 0 && after.done === doneBefore))) {
        const coverFrom = candles.length < limit ? -Infinity : candles[0]!.openTime;
        const series: HotSeries = { coverFrom, rows: new Map(candles.map((c) => [c.openTime, { ...c }])), sorted: undefined };
        trim(series);
        touch(key, series);
      }
      return candles;
    },

    async getRange(symbolId: string, interval: Interval, fromMs: number, limit: number): Promise<Candle[]> {
      if (limit <= 0) return [];
      const cached = hot.get(`${symbolId}|${interval}`);
      if (cached && fromMs >= cached.coverFrom) {
        const keys = sortedKeys(cached);
        const start = lowerBound(keys, fromMs);
        return keys.slice(start, start + limit).map((t) => ({ ...cached.rows.get(t)! }));
      }
      return queryCandles(
        `select json_agg(json_build_array(open_time, open, high, low, close, volume) order by open_time) as candles
           from (select open_time, open, high, low, close, volume from candles
                  where symbol = ? and "interval" = ? and source = ? and open_time >= ?
                  order by open_time asc limit ?) oldest`,
        [symbolId, interval, source, Math.ceil(fromMs), Math.floor(limit)],
      );
    },

    async upsert(symbolId: string, interval: Interval, candles: readonly Candle[]): Promise<void> {
      if (candles.length === 0) return;
      const key = `${symbolId}|${interval}`;
      const counter = writes.get(key) ?? { pending: 0, done: 0 };
      writes.set(key, counter);
      // One row per openTime: Postgres refuses an upsert that touches the same key twice.
      const byOpenTime = new Map<number, Candle>();
      for (const c of candles) byOpenTime.set(c.openTime, c);
      const rows = [...byOpenTime.values()].map((c) => ({ t: c.openTime, o: c.open, h: c.high, l: c.low, c: c.close, v: c.volume }));
      counter.pending++;
      // Writes to one series run one after another, so the hot series applies them in the order
      // PostgreSQL commits them (concurrent overlapping writes otherwise leave memory and rows apart).
      const previous = writeChains.get(key) ?? Promise.resolve();
      const write = previous.then(async () => {
        try {
          await connection().execute(
            `insert into candles (symbol, "interval", open_time, open, high, low, close, volume, source, fetched_at)
             select ?, ?, r.t, r.o, r.h, r.l, r.c, r.v, ?, ?::timestamptz
               from jsonb_to_recordset(?::jsonb) as r(t bigint, o float8, h float8, l float8, c float8, v float8)
             on conflict (symbol, "interval", open_time) do update set
               open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
               volume = excluded.volume, source = excluded.source, fetched_at = excluded.fetched_at`,
            [symbolId, interval, source, new Date(now()).toISOString(), JSON.stringify(rows)],
          );
        } finally {
          counter.pending--;
          counter.done++;
        }
        // Write-through after the row is stored; rows older than `coverFrom` live in PostgreSQL only.
        const series = hot.get(key);
        if (!series) return;
        for (const c of byOpenTime.values()) {
          if (c.openTime < series.coverFrom) continue;
          if (!series.rows.has(c.openTime)) series.sorted = undefined;
          series.rows.set(c.openTime, { ...c });
        }
        trim(series);
      });
      const settled = write.catch(() => undefined);
      writeChains.set(key, settled);
      try {
        await write;
      } finally {
        if (writeChains.get(key) === settled) writeChains.delete(key);
      }
    },
  };
}
