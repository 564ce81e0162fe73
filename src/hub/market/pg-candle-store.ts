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
import { INTERVAL_MS, type Candle, type Interval } from '../../shared/market.js';
import { candlesAt, lowerBound, setCandle, sortedKeys, type CandleStore, type SortedCandles } from './candle-store.js';

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
interface HotSeries extends SortedCandles {
  /** `-Infinity` when the table holds nothing older than `rows`. */
  coverFrom: number;
}

/** Upserts of one series in progress and finished (see `PgCandleStoreState.writes`). */
interface WriteCounter {
  pending: number;
  done: number;
}

interface PgCandleStoreState {
  readonly orm: Orm;
  /** Provider name written to `source` and used to filter reads. */
  readonly source: string;
  /** Clock for `fetched_at`, ms. */
  readonly now: () => number;
  /** Series kept in memory (0: none). */
  readonly hotSeries: number;
  /** Rows kept in memory per hot series. */
  readonly hotRows: number;
  /** Hot series by key `symbolId|interval`, least recently used first. */
  readonly hot: Map<string, HotSeries>;
  /**
   * Per series key: upserts in progress and upserts finished. A read that overlapped an upsert may
   * hold a view from before it, so it does not install that view in memory.
   */
  readonly writes: Map<string, WriteCounter>;
  /** The last write queued per series (see `upsert`). */
  readonly writeChains: Map<string, Promise<void>>;
}

/** One candle as `jsonb_to_recordset` reads it in `insertCandles`. */
interface CandleRow {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** `[openTime, open, high, low, close, volume]` as `json_build_array` returns it. */
type CandleTuple = [number, number, number, number, number, number];

const toCandle = ([openTime, open, high, low, close, volume]: CandleTuple): Candle => ({ openTime, open, high, low, close, volume });

export function createPgCandleStore(orm: Orm, options: PgCandleStoreOptions = {}): CandleStore {
  const state: PgCandleStoreState = {
    orm,
    source: options.source ?? 'unknown',
    now: options.now ?? Date.now,
    hotSeries: options.hotSeries ?? 512,
    hotRows: options.hotRowsPerSeries ?? 5_000,
    hot: new Map(),
    writes: new Map(),
    writeChains: new Map(),
  };
  return {
    getLatest: (symbolId: string, interval: Interval, limit: number) => getLatest(state, symbolId, interval, limit),
    getRange: (symbolId: string, interval: Interval, fromMs: number, limit: number) => getRange(state, symbolId, interval, fromMs, limit),
    getClosedRange: (symbolId: string, interval: Interval, fromMs: number, toMs: number) =>
      getClosedRange(state, symbolId, interval, fromMs, toMs),
    upsert: (symbolId: string, interval: Interval, candles: readonly Candle[]) => upsert(state, symbolId, interval, candles),
  };
}

async function queryCandles(state: PgCandleStoreState, sql: string, params: unknown[]): Promise<Candle[]> {
  const rows: Array<{ candles: CandleTuple[] | null }> = await state.orm.em.getConnection().execute(sql, params);
  return (rows[0]?.candles ?? []).map(toCandle);
}

/** Marks `key` most recently used, evicting the least recently used series beyond `hotSeries`. */
function touch(state: PgCandleStoreState, key: string, series: HotSeries): void {
  const { hot } = state;
  hot.delete(key);
  hot.set(key, series);
  if (hot.size > state.hotSeries) hot.delete(hot.keys().next().value!);
}

/** Keeps the newest `hotRows` rows; `coverFrom` moves up to the oldest row kept. */
function trim(state: PgCandleStoreState, series: HotSeries): void {
  const { hotRows } = state;
  if (series.rows.size <= hotRows) return;
  const keys = sortedKeys(series);
  const drop = keys.length - hotRows;
  for (let i = 0; i < drop; i++) series.rows.delete(keys[i]!);
  series.sorted = keys.slice(drop);
  series.coverFrom = series.sorted[0]!;
}

async function getLatest(state: PgCandleStoreState, symbolId: string, interval: Interval, limit: number): Promise<Candle[]> {
  if (limit <= 0) return [];
  const key = `${symbolId}|${interval}`;
  const cached = state.hot.get(key);
  if (cached) {
    const keys = sortedKeys(cached);
    if (keys.length >= limit || cached.coverFrom === -Infinity) {
      touch(state, key, cached);
      return candlesAt(cached, keys.slice(-limit));
    }
  }
  const before = state.writes.get(key);
  const quietBefore = !before || before.pending === 0;
  const doneBefore = before?.done ?? 0;
  const candles = await queryCandles(
    state,
    `select json_agg(json_build_array(open_time, open, high, low, close, volume) order by open_time) as candles
       from (select open_time, open, high, low, close, volume from candles
              where symbol = ? and "interval" = ? and source = ?
              order by open_time desc limit ?) newest`,
    [symbolId, interval, state.source, Math.floor(limit)],
  );
  const after = state.writes.get(key);
  if (state.hotSeries > 0 && quietBefore && (!after || (after.pending === 0 && after.done === doneBefore))) {
    const coverFrom = candles.length < limit ? -Infinity : candles[0]!.openTime;
    const series: HotSeries = { coverFrom, rows: new Map(candles.map((c) => [c.openTime, { ...c }])), sorted: undefined };
    trim(state, series);
    touch(state, key, series);
  }
  return candles;
}

async function getRange(state: PgCandleStoreState, symbolId: string, interval: Interval, fromMs: number, limit: number): Promise<Candle[]> {
  if (limit <= 0) return [];
  const cached = state.hot.get(`${symbolId}|${interval}`);
  if (cached && fromMs >= cached.coverFrom) {
    const keys = sortedKeys(cached);
    const start = lowerBound(keys, fromMs);
    return candlesAt(cached, keys.slice(start, start + limit));
  }
  return queryCandles(
    state,
    `select json_agg(json_build_array(open_time, open, high, low, close, volume) order by open_time) as candles
       from (select open_time, open, high, low, close, volume from candles
              where symbol = ? and "interval" = ? and source = ? and open_time >= ?
              order by open_time asc limit ?) oldest`,
    [symbolId, interval, state.source, Math.ceil(fromMs), Math.floor(limit)],
  );
}

/**
 * `CandleStore.getClosedRange`: a range scan on the primary key (symbol, interval, open_time); rows
 * written before their bar closed (`fetched_at < open_time + interval`) are left out.
 */
async function getClosedRange(
  state: PgCandleStoreState,
  symbolId: string,
  interval: Interval,
  fromMs: number,
  toMs: number,
): Promise<Candle[]> {
  if (toMs < fromMs) return [];
  return queryCandles(
    state,
    `select json_agg(json_build_array(open_time, open, high, low, close, volume) order by open_time) as candles
       from candles
      where symbol = ? and "interval" = ? and source = ? and open_time between ? and ?
        and fetched_at >= to_timestamp((open_time + ?) / 1000.0)`,
    [symbolId, interval, state.source, Math.ceil(fromMs), Math.floor(toMs), INTERVAL_MS[interval]],
  );
}

async function upsert(state: PgCandleStoreState, symbolId: string, interval: Interval, candles: readonly Candle[]): Promise<void> {
  if (candles.length === 0) return;
  const { writes, writeChains } = state;
  const key = `${symbolId}|${interval}`;
  const counter = writes.get(key) ?? { pending: 0, done: 0 };
  writes.set(key, counter);
  // One row per openTime: Postgres refuses an upsert that touches the same key twice.
  const byOpenTime = new Map<number, Candle>();
  for (const c of candles) byOpenTime.set(c.openTime, c);
  const rows = [...byOpenTime.values()].map((c): CandleRow => ({ t: c.openTime, o: c.open, h: c.high, l: c.low, c: c.close, v: c.volume }));
  counter.pending++;
  // Writes to one series run one after another, so the hot series applies them in the order
  // PostgreSQL commits them (concurrent overlapping writes otherwise leave memory and rows apart).
  const previous = writeChains.get(key) ?? Promise.resolve();
  const write = previous.then(async () => {
    try {
      await insertCandles(state, symbolId, interval, rows);
    } finally {
      counter.pending--;
      counter.done++;
    }
    // Write-through after the row is stored; rows older than `coverFrom` live in PostgreSQL only.
    const series = state.hot.get(key);
    if (!series) return;
    for (const c of byOpenTime.values()) {
      if (c.openTime < series.coverFrom) continue;
      setCandle(series, c);
    }
    trim(state, series);
  });
  const settled = write.catch(() => undefined);
  writeChains.set(key, settled);
  try {
    await write;
  } finally {
    if (writeChains.get(key) === settled) writeChains.delete(key);
  }
}

/** The batch as ONE statement: `rows` travel as a single `jsonb` parameter (see the module comment). */
async function insertCandles(state: PgCandleStoreState, symbolId: string, interval: Interval, rows: CandleRow[]): Promise<void> {
  await state.orm.em.getConnection().execute(
    `insert into candles (symbol, "interval", open_time, open, high, low, close, volume, source, fetched_at)
     select ?, ?, r.t, r.o, r.h, r.l, r.c, r.v, ?, ?::timestamptz
       from jsonb_to_recordset(?::jsonb) as r(t bigint, o float8, h float8, l float8, c float8, v float8)
     on conflict (symbol, "interval", open_time) do update set
       open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
       volume = excluded.volume, source = excluded.source, fetched_at = excluded.fetched_at`,
    [symbolId, interval, state.source, new Date(state.now()).toISOString(), JSON.stringify(rows)],
  );
}
