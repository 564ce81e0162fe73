/**
 * One Twelve Data budget for two hubs on one database: two candle limiters, each on its own ORM
 * (own connection pool) with the PostgreSQL credit store, racing for a small daily budget. The
 * upstream is the Twelve Data stand-in, which counts what really reached it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initOrm, type Orm } from '../../../src/db/orm.js';
import { createCandleLimiter } from '../../../src/hub/market/candle-limiter.js';
import { BudgetExhaustedError } from '../../../src/hub/market/errors.js';
import { createPgCreditStore } from '../../../src/hub/market/pg-credit-store.js';
import { marketSymbol } from '../../../src/hub/market/symbols.js';
import { createTwelveDataProvider } from '../../../src/hub/market/twelve-data.js';
import { createTestOrm } from '../../support/db.js';
import { startTwelveDataServer, type TwelveDataServer } from '../../support/twelve-data-server.js';

let orms: [Orm, Orm];
let close: () => Promise<void>;
let upstream: TwelveDataServer;

beforeAll(async () => {
  const { orm, db, close: dropDb } = await createTestOrm('budget2');
  const second = await initOrm(db.url);
  orms = [orm, second];
  close = async () => {
    await second.close(true);
    await dropDb();
  };
  upstream = await startTwelveDataServer({ apiKey: 'k' });
});
afterAll(async () => {
  await upstream?.close();
  await close?.();
});

const SYMBOLS = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP', 'DOGE'].map((base) => marketSymbol(base));

describe('two hub replicas, one Twelve Data budget', () => {
  it('together never spend more than the day: 5 credits, 24 concurrent calls from two replicas, 5 upstream', async () => {
    const provider = createTwelveDataProvider({ apiKey: 'k', baseUrl: upstream.url });
    const now = () => Date.UTC(2026, 4, 2, 12);
    const limiters = orms.map((orm) =>
      createCandleLimiter({ creditStore: createPgCreditStore(orm, 'race'), intervalCap: 100, dailyCredits: 5, now }),
    );
    // Both load the day's counter first (0), as two long-running replicas would have.
    for (const l of limiters) expect(await l.credits()).toMatchObject({ used: 0, budget: 5 });
    upstream.reset();
    const calls = limiters.flatMap((limiter, r) =>
      Array.from({ length: 12 }, (_, i) => {
        const symbol = SYMBOLS[i % SYMBOLS.length]!;
        const interval = (['1m', '5m'] as const)[Math.floor(i / SYMBOLS.length)]!;
        return limiter.run({ key: `${r}|${symbol.base}|${interval}` }, () => provider.candles(symbol, interval, 3));
      }),
    );
    const settled = await Promise.allSettled(calls);
    const served = settled.filter((s) => s.status === 'fulfilled');
    const refused = settled.filter((s) => s.status === 'rejected');
    expect(upstream.callCount('/time_series')).toBe(5);
    expect(served).toHaveLength(5);
    expect(refused.every((s) => s.reason instanceof BudgetExhaustedError)).toBe(true);
    expect(await createPgCreditStore(orms[0], 'race').load('2026-05-02')).toBe(5);
    // Each replica's view of the spend is the shared one, not its own share.
    for (const l of limiters) expect((await l.credits()).used).toBe(5);
  });

  it('grants a wall-clock minute at most its cap of calls across replicas, and prunes earlier days', async () => {
    const stores = orms.map((orm) => createPgCreditStore(orm, 'minute'));
    const minute = Date.UTC(2026, 4, 2, 12, 34);
    const grants = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2]!.reserveMinute!(minute, 8)));
    expect(grants.filter(Boolean)).toHaveLength(8);
    expect(await stores[0]!.reserveMinute!(minute + 60_000, 8)).toBe(true);
    const rows = (day: string) =>
      orms[0].em
        .getConnection()
        .execute(`select provider, used from api_credits where provider like 'minute@%' and day = ? order by 1`, [day]);
    expect(await rows('2026-05-02')).toEqual([
      { provider: 'minute@12:34', used: 8 },
      { provider: 'minute@12:35', used: 1 },
    ]);
    // A new day's first minute deletes the minute rows of the days before it (the day counters stay).
    const fresh = createPgCreditStore(orms[1], 'minute');
    expect(await fresh.reserveMinute!(Date.UTC(2026, 4, 3, 0, 0), 8)).toBe(true);
    expect(await rows('2026-05-02')).toEqual([]);
  });

  it('reserves within the limit, atomically, for any mix of replicas and costs', async () => {
    const stores = orms.map((orm) => createPgCreditStore(orm, 'mix'));
    const cost = (i: number) => 1 + (i % 3);
    const grants = await Promise.all(Array.from({ length: 30 }, (_, i) => stores[i % 2]!.reserve('2026-05-02', cost(i), 20)));
    const grantedCredits = grants.reduce((sum, g, i) => sum + (g.granted ? cost(i) : 0), 0);
    const used = await stores[0]!.load('2026-05-02');
    expect(used).toBe(grantedCredits);
    // Nothing more fits: every refusal came when the call's cost no longer fitted.
    expect(used).toBeGreaterThan(20 - 3);
    expect(used).toBeLessThanOrEqual(20);
    for (const [i, g] of grants.entries()) if (!g.granted) expect(g.used + cost(i)).toBeGreaterThan(20);
    expect(await stores[1]!.reserve('2026-05-03', 21, 20)).toEqual({ granted: false, used: 0 });
  });
});
