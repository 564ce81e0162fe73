import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initOrm, type Orm } from '../../../src/db/orm.js';
import { createPgCandleStore, type PgCandleStoreOptions } from '../../../src/hub/market/pg-candle-store.js';
import { createTestOrm } from '../../support/db.js';
import { checkClosedRange } from './closed-range-contract.js';

const bar = (openTime: number, close = 1) => ({ openTime, open: 1, high: 2, low: 0.5, close, volume: 3 });

let orm: Orm;
/** A second ORM on the same database: "the hub after a restart". */
let restartedOrm: Orm;
let close: () => Promise<void>;

beforeAll(async () => {
  let db;
  ({ orm, db, close } = await createTestOrm('pgcandle'));
  restartedOrm = await initOrm(db.url);
});
afterAll(async () => {
  await restartedOrm?.close(true);
  await close?.();
});

async function rowCount(symbol: string): Promise<number> {
  const rows: Array<{ n: string }> = await orm.em.getConnection().execute('select count(*) as n from candles where symbol = ?', [symbol]);
  return Number(rows[0]!.n);
}

// Every behaviour holds with the in-memory hot layer off (every read is SQL) and on (default).
describe.each([
  { mode: 'sql only', prefix: 'A', options: { hotSeries: 0 } },
  { mode: 'hot series', prefix: 'B', options: {} },
] satisfies Array<{ mode: string; prefix: string; options: PgCandleStoreOptions }>)(
  'PostgreSQL candle store ($mode)',
  ({ prefix, options }) => {
    const store = (source: string, extra: PgCandleStoreOptions = {}) => createPgCandleStore(orm, { source, ...options, ...extra });

    it('upserts one row per candle and reads ranges and latest bars oldest-first', async () => {
      const s = store('twelvedata');
      const btc = `${prefix}BTCUSDT`;
      expect(await s.getLatest(btc, '1m', 2)).toEqual([]);
      await s.upsert(btc, '1m', [bar(180_000), bar(60_000), bar(120_000)]);
      await s.upsert(btc, '1m', [bar(180_000, 9), bar(240_000)]);
      await s.upsert(btc, '5m', [bar(0)]);
      expect(await rowCount(btc)).toBe(5);
      expect((await s.getRange(btc, '1m', 100_000, 2)).map((c) => c.openTime)).toEqual([120_000, 180_000]);
      expect(await s.getLatest(btc, '1m', 2)).toEqual([bar(180_000, 9), bar(240_000)]);
      expect(await s.getLatest(btc, '1m', 10)).toEqual([bar(60_000), bar(120_000), bar(180_000, 9), bar(240_000)]);
      expect(await s.getLatest(`${prefix}ETHUSDT`, '1m', 2)).toEqual([]);
      expect(await s.getLatest(btc, '1m', 0)).toEqual([]);
      // A new store on a new connection pool (a restart) reads the same rows.
      const restarted = createPgCandleStore(restartedOrm, { source: 'twelvedata', ...options });
      expect(await restarted.getLatest(btc, '1m', 3)).toEqual([bar(120_000), bar(180_000, 9), bar(240_000)]);
    });

    it('keeps full precision, ms open times beyond 2^31 and duplicate bars in one batch', async () => {
      const s = store('twelvedata');
      const eth = `${prefix}ETHUSDT`;
      const t = Date.UTC(2026, 2, 10, 10, 0, 0);
      const precise = { openTime: t, open: 65_012.123456789, high: 65_100.5, low: 0.000001234, close: 1e-9, volume: 123_456_789.125 };
      await s.upsert(eth, '1h', [bar(t), precise]); // same key twice: the last one wins
      expect(await s.getLatest(eth, '1h', 10)).toEqual([precise]);
      expect(await createPgCandleStore(orm, { source: 'twelvedata', hotSeries: 0 }).getLatest(eth, '1h', 10)).toEqual([precise]);
      await s.upsert(eth, '1h', []);
      expect(await rowCount(eth)).toBe(1);
    });

    it("writes a 5 000-bar batch in one statement and never serves another provider's bars", async () => {
      const sol = `${prefix}SOLUSDT`;
      const real = store('twelvedata');
      const sim = store('simulated', { now: () => 1_000 });
      const bars = Array.from({ length: 5_000 }, (_, i) => bar(i * 60_000, i));
      await sim.upsert(sol, '1m', bars);
      expect((await sim.getLatest(sol, '1m', 3)).map((c) => c.close)).toEqual([4_997, 4_998, 4_999]);
      expect(await real.getLatest(sol, '1m', 3)).toEqual([]);
      // The real provider overwrites the newest bars: only those are served as real.
      await real.upsert(sol, '1m', bars.slice(-2));
      expect((await real.getLatest(sol, '1m', 10)).map((c) => c.openTime)).toEqual([4_998 * 60_000, 4_999 * 60_000]);
      expect(await rowCount(sol)).toBe(5_000);
      const rows: Array<{ fetched_at: Date }> = await orm.em
        .getConnection()
        .execute(`select fetched_at from candles where symbol = ? and source = 'simulated' limit 1`, [sol]);
      expect(new Date(rows[0]!.fetched_at).getTime()).toBe(1_000);
    });

    it('survives concurrent upserts of overlapping batches', async () => {
      const s = store('hashkey');
      const xrp = `${prefix}XRPUSDT`;
      await s.getLatest(xrp, '15m', 50); // make the series hot (when enabled) before the writes
      await Promise.all(
        Array.from({ length: 10 }, (_, k) =>
          s.upsert(
            xrp,
            '15m',
            Array.from({ length: 100 }, (_, i) => bar((k * 10 + i) * 900_000, k)),
          ),
        ),
      );
      expect(await rowCount(xrp)).toBe(190);
      const fromDb = await createPgCandleStore(orm, { source: 'hashkey', hotSeries: 0 }).getLatest(xrp, '15m', 500);
      expect(await s.getLatest(xrp, '15m', 500)).toEqual(fromDb);
      expect(await s.getRange(xrp, '15m', 50 * 900_000, 20)).toEqual(fromDb.slice(50, 70));
    });

    it("reads closed ranges from the table: rows written before their bar closed are left out, and other providers' rows", async () => {
      const ada = `${prefix}ADAUSDT`;
      await checkClosedRange((at) => store('hashkey', { now: () => at }), ada);
      expect(await store('twelvedata').getClosedRange(ada, '15m', 0, Date.UTC(2027, 0, 1))).toEqual([]);
    });
  },
);

describe('hot series (in-memory layer over PostgreSQL)', () => {
  it('answers repeated reads from memory, writes through, and goes to PostgreSQL for older bars', async () => {
    const s = createPgCandleStore(orm, { source: 'twelvedata' });
    const key = 'HOTUSDT';
    const db = createPgCandleStore(orm, { source: 'twelvedata', hotSeries: 0 });
    await db.upsert(
      key,
      '1h',
      Array.from({ length: 100 }, (_, i) => bar(i * 3_600_000, i)),
    );
    expect((await s.getLatest(key, '1h', 10)).map((c) => c.close)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);

    // Rows written behind its back (another process) are invisible to the hot series: proof that
    // the second read came from memory. (In production the hub is the only writer.)
    await db.upsert(key, '1h', [bar(99 * 3_600_000, -1)]);
    expect((await s.getLatest(key, '1h', 1))[0]!.close).toBe(99);

    // Its own writes go through to memory and PostgreSQL.
    await s.upsert(key, '1h', [bar(100 * 3_600_000, 100)]);
    expect((await s.getLatest(key, '1h', 2)).map((c) => c.close)).toEqual([99, 100]);
    expect((await db.getLatest(key, '1h', 1))[0]!.close).toBe(100);

    // More bars than memory covers: read from PostgreSQL (which has the foreign write).
    const wide = await s.getLatest(key, '1h', 50);
    expect(wide).toHaveLength(50);
    expect(wide.at(-2)!.close).toBe(-1);
    expect((await s.getRange(key, '1h', 0, 3)).map((c) => c.close)).toEqual([0, 1, 2]);
  });

  it('returns copies, bounds rows per series and evicts the least recently used series', async () => {
    const s = createPgCandleStore(orm, { source: 'lru', hotSeries: 2, hotRowsPerSeries: 5 });
    const db = createPgCandleStore(orm, { source: 'lru', hotSeries: 0 });
    for (const symbol of ['L1', 'L2', 'L3'])
      await s.upsert(
        symbol,
        '1m',
        Array.from({ length: 10 }, (_, i) => bar(i * 60_000, i)),
      );
    const first = await s.getLatest('L1', '1m', 3);
    first[0]!.close = 12345;
    expect((await s.getLatest('L1', '1m', 3))[0]!.close).toBe(7);
    // Trimmed to the newest 5 rows: asking for 8 goes to PostgreSQL and still gets 8.
    await s.upsert(
      'L1',
      '1m',
      Array.from({ length: 10 }, (_, i) => bar((10 + i) * 60_000, 10 + i)),
    );
    expect((await s.getLatest('L1', '1m', 8)).map((c) => c.close)).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
    await s.getLatest('L2', '1m', 3);
    await s.getLatest('L3', '1m', 3); // evicts L1
    await db.upsert('L1', '1m', [bar(19 * 60_000, -19)]);
    expect((await s.getLatest('L1', '1m', 1))[0]!.close).toBe(-19);
  });
});
