import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initOrm, type Orm } from '../../../src/db/orm.js';
import { createCandleLimiter } from '../../../src/hub/market/candle-limiter.js';
import { BudgetExhaustedError } from '../../../src/hub/market/errors.js';
import { createPgCreditStore } from '../../../src/hub/market/pg-credit-store.js';
import { createTestOrm } from '../../support/db.js';

let orm: Orm;
/** A second ORM (own connection pool) on the same database: "the hub after a restart". */
let restartedOrm: Orm;
let close: () => Promise<void>;

beforeAll(async () => {
  let db;
  ({ orm, db, close } = await createTestOrm('pgcredit'));
  restartedOrm = await initOrm(db.url);
});
afterAll(async () => {
  await restartedOrm?.close(true);
  await close?.();
});

describe('PostgreSQL credit store', () => {
  it('counts per provider and day, and a new instance (a restart) sees the same credits', async () => {
    const store = createPgCreditStore(orm);
    expect(await store.load('2026-03-10')).toBe(0);
    await store.add('2026-03-10', 3);
    await store.add('2026-03-10', 2);
    await store.add('2026-03-11', 1);
    await createPgCreditStore(orm, 'other').add('2026-03-10', 7);
    const restarted = createPgCreditStore(restartedOrm, 'twelvedata');
    expect(await restarted.load('2026-03-10')).toBe(5);
    expect(await restarted.load('2026-03-11')).toBe(1);
    expect(await createPgCreditStore(orm, 'other').load('2026-03-10')).toBe(7);
  });

  it('never loses an increment under concurrent adds', async () => {
    const stores = Array.from({ length: 4 }, (_, i) => createPgCreditStore(i % 2 ? restartedOrm : orm, 'concurrent'));
    await Promise.all(Array.from({ length: 200 }, (_, i) => stores[i % 4]!.add('2026-03-12', 1)));
    expect(await stores[0]!.load('2026-03-12')).toBe(200);
  });

  it('keeps the daily budget of a limiter across a restart', async () => {
    const now = () => Date.UTC(2026, 2, 13, 12);
    const first = createCandleLimiter({ creditStore: createPgCreditStore(orm, 'restart'), intervalCap: Infinity, dailyCredits: 5, now });
    for (let i = 0; i < 3; i++) await first.run({ key: `k${i}` }, async () => i);
    const second = createCandleLimiter({
      creditStore: createPgCreditStore(restartedOrm, 'restart'),
      intervalCap: Infinity,
      dailyCredits: 5,
      now,
    });
    expect(await second.credits()).toEqual({ day: '2026-03-13', used: 3, budget: 5 });
    await second.run({ key: 'a' }, async () => 1);
    await second.run({ key: 'b' }, async () => 1);
    await expect(second.run({ key: 'c' }, async () => 1)).rejects.toBeInstanceOf(BudgetExhaustedError);
  });
});
