/**
 * The `backtests` table's door: runs are read back by their owner only, listed newest first,
 * capped per trader, pruned by age, and go with their owner.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../../src/db/orm.js';
import { createBacktestStore, type BacktestStore, type NewBacktestRecord } from '../../../src/hub/backtest/backtest-store.js';
import type { BacktestResult, ComparisonResult } from '../../../src/hub/backtest/types.js';
import { createUserService } from '../../../src/hub/users.js';
import { backtestParams } from '../../fixtures/backtest-params.js';
import { createTestOrm } from '../../support/db.js';

let orm: Orm;
let closeDb: () => Promise<void>;
let store: BacktestStore;
let alice: string;
let bob: string;

const T0 = Date.UTC(2026, 10, 1);
const params = backtestParams(T0 - 7 * 86_400_000, T0);

function backtest(ownerId: string, createdAt: number, totalReturnPct: number): NewBacktestRecord {
  const result = { params, summary: { totalReturnPct, trades: 3 }, equity: [{ at: T0, value: 510 }] } as unknown as BacktestResult;
  return { id: randomUUID(), ownerId, kind: 'backtest', result, notes: ['a note'], createdAt: new Date(createdAt) };
}

function comparison(ownerId: string, createdAt: number): NewBacktestRecord {
  const { strategy: _, ...shared } = params;
  const rows = [
    { strategy: 'breakout', summary: { totalReturnPct: 7.5 } },
    { strategy: 'momentum', summary: { totalReturnPct: -1 } },
  ];
  const result = { params: shared, rows } as unknown as ComparisonResult;
  return { id: randomUUID(), ownerId, kind: 'compare', result, notes: [], createdAt: new Date(createdAt) };
}

beforeAll(async () => {
  ({ orm, close: closeDb } = await createTestOrm('backtests'));
  store = createBacktestStore(orm);
  const users = createUserService({ orm, accessMode: 'open', adminIds: [] });
  alice = (await users.register(1, 'Alice')).user.id;
  bob = (await users.register(2, 'Bob')).user.id;
});
afterAll(async () => {
  await closeDb?.();
});

describe('backtest store', () => {
  it('stores the whole result and reads it back for its owner only', async () => {
    const run = backtest(alice, T0, 2.5);
    const stored = await store.insert(run);
    expect(stored).toEqual({ ...run, createdAt: new Date(T0).toISOString() });
    expect(await store.get(alice, run.id)).toEqual(stored);
    expect(await store.get(bob, run.id)).toBeNull();
    expect(await store.get(alice, randomUUID())).toBeNull();
    expect(await store.get(alice, 'not-a-uuid')).toBeNull();
    expect(await store.list(bob, 10)).toEqual([]);
  });

  it('lists the owner runs newest first, up to the limit, with a line for each kind', async () => {
    const older = await store.insert(backtest(bob, T0 + 1_000, -4));
    const newer = await store.insert(comparison(bob, T0 + 2_000));
    const list = await store.list(bob, 10);
    expect(list).toEqual([
      {
        id: newer.id,
        kind: 'compare',
        createdAt: new Date(T0 + 2_000).toISOString(),
        symbol: 'BTCUSDT',
        timeframe: '15m',
        label: 'compare',
        fromMs: params.fromMs,
        toMs: params.toMs,
        totalReturnPct: 7.5,
      },
      {
        id: older.id,
        kind: 'backtest',
        createdAt: new Date(T0 + 1_000).toISOString(),
        symbol: 'BTCUSDT',
        timeframe: '15m',
        label: 'momentum',
        fromMs: params.fromMs,
        toMs: params.toMs,
        totalReturnPct: -4,
      },
    ]);
    expect((await store.list(bob, 1)).map((i) => i.id)).toEqual([newer.id]);
    expect(await store.get(bob, newer.id)).toMatchObject({
      kind: 'compare',
      result: { rows: [{ strategy: 'breakout' }, { strategy: 'momentum' }] },
    });
  });

  it('keeps the newest runs of one trader and leaves the others alone', async () => {
    const carol = (await createUserService({ orm, accessMode: 'open', adminIds: [] }).register(3, 'Carol')).user.id;
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await store.insert(backtest(carol, T0 + 10_000 + i, i)));
    const bobsBefore = await store.list(bob, 10);
    expect(await store.keepNewest(carol, 2)).toBe(3);
    expect((await store.list(carol, 10)).map((i) => i.id)).toEqual([runs[4]!.id, runs[3]!.id]);
    expect(await store.list(bob, 10)).toEqual(bobsBefore);
    expect(await store.keepNewest(carol, 2)).toBe(0);
  });

  it('prunes by age in bounded batches, and a deleted user takes their runs along', async () => {
    const dave = (await createUserService({ orm, accessMode: 'open', adminIds: [] }).register(4, 'Dave')).user.id;
    const old = [await store.insert(backtest(dave, T0 - 3_000, 1)), await store.insert(backtest(dave, T0 - 2_000, 1))];
    const recent = await store.insert(backtest(dave, T0 + 50_000, 1));
    expect(await store.prune(new Date(T0 - 1_000), 1)).toBe(1);
    expect(await store.prune(new Date(T0 - 1_000), 10)).toBe(1);
    expect(await store.get(dave, old[0]!.id)).toBeNull();
    expect((await store.list(dave, 10)).map((i) => i.id)).toEqual([recent.id]);

    await orm.em.getConnection().execute('delete from users where id = ?', [dave]);
    const [{ n }] = await orm.em.getConnection().execute<[{ n: string }]>('select count(*) as n from backtests where owner_id = ?', [dave]);
    expect(Number(n)).toBe(0);
  });
});
