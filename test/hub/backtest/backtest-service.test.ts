/**
 * The backtest service end to end on real PostgreSQL and real worker threads (./worker.ts with
 * the runner), history from the hub's loader on the simulated market: validation with the agents' rules, a run
 * stored and listed with its notes, a comparison, one job per trader, loader errors passed on,
 * the per-trader cap, cancel (queued and running jobs: backtest-queue.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../../src/db/orm.js';
import { createBacktestQueue } from '../../../src/hub/backtest/backtest-queue.js';
import { createBacktestService, RULES_PLANNER_NOTE, type LoadHistory } from '../../../src/hub/backtest/backtest-service.js';
import { createHistoryDeps, loadHistory, type HistoryRequest } from '../../../src/hub/backtest/history.js';
import { createBacktestStore } from '../../../src/hub/backtest/backtest-store.js';
import { BacktestBusyError } from '../../../src/hub/backtest/queue-errors.js';
import type { BacktestEvent, BacktestParams, BacktestRecord, BacktestService } from '../../../src/hub/backtest/types.js';
import { HubError, ValidationError } from '../../../src/hub/errors.js';
import { parseConfig } from '../../../src/config.js';
import { createMarketFromConfig } from '../../../src/hub/market/market-from-config.js';
import { createUserService } from '../../../src/hub/users.js';
import { backtestParams } from '../../fixtures/backtest-params.js';
import { createTestOrm } from '../../support/db.js';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const DAY = 86_400_000;

let orm: Orm;
let closeDb: () => Promise<void>;
let alice: string;
let bob: string;
const services: BacktestService[] = [];
const asked: HistoryRequest[] = [];

/** The hub's history loader on the simulated market, recording what it is asked. */
let simulatedHistory: LoadHistory;

function service(options: { loadHistory?: LoadHistory; keepPerOwner?: number } = {}): BacktestService {
  const s = createBacktestService({
    store: createBacktestStore(orm),
    queue: createBacktestQueue({ concurrency: 1, maxWaiting: 5 }),
    loadHistory: options.loadHistory ?? simulatedHistory,
    costs: { feeBps: 6, slippageBps: 2 },
    limits: { maxLeverage: 20 },
    keepPerOwner: options.keepPerOwner,
    now: () => NOW,
  });
  services.push(s);
  return s;
}

const params = (over: Partial<BacktestParams> = {}): BacktestParams =>
  backtestParams(NOW - 30 * DAY, NOW, { symbol: 'btcusdt', timeframe: '1h', strategy: 'auto', ...over });

/** Submits and collects events until the job is over. */
async function run(submit: (listener: (e: BacktestEvent) => void) => Promise<{ id: string }>) {
  const events: BacktestEvent[] = [];
  let over!: () => void;
  const ended = new Promise<void>((resolve) => (over = resolve));
  const { id } = await submit((e) => {
    events.push(e);
    if (e.kind === 'done' || e.kind === 'failed' || e.kind === 'cancelled') over();
  });
  return { id, events, ended };
}

beforeAll(async () => {
  ({ orm, close: closeDb } = await createTestOrm('backtest_service'));
  const history = createHistoryDeps(createMarketFromConfig(parseConfig({ MARKET_DATA: 'simulated' }), { orm, now: () => NOW }), () => NOW);
  simulatedHistory = async (request) => {
    asked.push(request);
    return loadHistory(history, request);
  };
  const users = createUserService({ orm, accessMode: 'open', adminIds: [] });
  alice = (await users.register(1, 'Alice')).user.id;
  bob = (await users.register(2, 'Bob')).user.id;
});
afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await closeDb?.();
});

describe('backtest service', () => {
  it('runs a backtest in a worker, stores it with its notes and lists it for its owner only', async () => {
    const backtests = service();
    const job = await run((listener) => backtests.submit(alice, params(), listener));
    await job.ended;
    const done = job.events.at(-1)!;
    expect(done.kind).toBe('done');
    expect(job.events[0]).toEqual({ kind: 'started' });
    const record = (done as { record: BacktestRecord }).record;
    expect(record).toMatchObject({ id: job.id, ownerId: alice, kind: 'backtest' });
    if (record.kind !== 'backtest') throw new Error('not a backtest');
    expect(record.result.params).toEqual(params({ symbol: 'BTCUSDT' }));
    expect(record.result.costs).toEqual({ feeBps: 6, slippageBps: 2 });
    expect(record.result.bars).toBe(30 * 24);
    expect(record.notes[0]).toContain(`${RULES_PLANNER_NOTE}: the rules planner chose ${record.result.plan.strategy}`);
    expect(record.notes.slice(1)).toEqual([expect.stringMatching(/simulated/)]);
    expect(asked.at(-1)).toMatchObject({ symbol: 'BTCUSDT', interval: '1h', fromMs: NOW - 30 * DAY, toMs: NOW });

    expect(await backtests.get(alice, job.id)).toEqual(record);
    expect(await backtests.get(bob, job.id)).toBeNull();
    expect((await backtests.list(alice, 10))[0]).toMatchObject({ id: job.id, label: 'auto', symbol: 'BTCUSDT', timeframe: '1h' });
    expect(await backtests.list(bob, 10)).toEqual([]);
  }, 90_000);

  it('a fixed strategy carries no planner note; a comparison is stored as one', async () => {
    const backtests = service();
    const fixed = await run((listener) => backtests.submit(bob, params({ strategy: 'trend-following' as never }), listener));
    await fixed.ended;
    const record = (fixed.events.at(-1) as { record: BacktestRecord }).record;
    expect(record.result.params).toMatchObject({ strategy: 'trend_following' });
    expect(record.notes).toEqual([expect.stringMatching(/simulated/)]);

    const compared = await run((listener) => backtests.compare(bob, params(), listener));
    await compared.ended;
    const comparison = (compared.events.at(-1) as { record: BacktestRecord }).record;
    expect(comparison).toMatchObject({ kind: 'compare', result: { params: { symbol: 'BTCUSDT' } } });
    expect(comparison.result.params).not.toHaveProperty('strategy');
    expect((await backtests.list(bob, 10)).map((i) => i.label)).toEqual(['compare', 'trend_following']);
  }, 90_000);

  it('a period the loader cut starts at its first traded bar: no warm-up bar is traded', async () => {
    const HOUR = 3_600_000;
    const cut: LoadHistory = async (request) => {
      const history = await simulatedHistory({ ...request, fromMs: request.fromMs + 100 * HOUR });
      return { ...history, notes: ['the period was cut by the budget'] };
    };
    const backtests = service({ loadHistory: cut });
    const job = await run((listener) => backtests.submit(alice, params({ strategy: 'momentum' }), listener));
    await job.ended;
    const record = (job.events.at(-1) as { record: BacktestRecord }).record;
    if (record.kind !== 'backtest') throw new Error('not a backtest');
    expect(record.result.params.fromMs).toBe(NOW - 30 * DAY + 100 * HOUR);
    expect(record.result.bars).toBe(30 * 24 - 100);
    expect(record.result.firstBarAt).toBe(NOW - 30 * DAY + 100 * HOUR);
    expect(record.notes).toEqual(['the period was cut by the budget']);
  }, 90_000);

  it('refuses bad input with a message naming the field, before any history is loaded', async () => {
    const backtests = service();
    const refused = async (over: Partial<BacktestParams>) => {
      const error = await backtests.submit(alice, params(over), () => undefined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      return error as ValidationError;
    };
    const before = asked.length;
    expect((await refused({ strategy: 'moonshot' as never })).field).toBe('strategy');
    expect((await refused({ symbol: 'BTC/USDT!' })).field).toBe('symbol');
    expect((await refused({ leverage: 50 })).message).toContain('from 1 to 20');
    expect((await refused({ leverage: 20, slPct: 5 })).message).toMatch(/past the liquidation price/);
    expect((await refused({ amountUsdt: 5 })).field).toBe('amountUsdt');
    expect((await refused({ fromMs: NOW + DAY, toMs: NOW + 2 * DAY })).message).toContain('starts in the future');
    expect((await refused({ fromMs: NOW - DAY, toMs: NOW - 2 * DAY })).message).toContain('start before it ends');
    expect((await refused({ fromMs: NOW - 400 * DAY })).message).toContain('at most 366 days');
    expect((await refused({ timeframe: '1m', fromMs: NOW - 90 * DAY })).message).toContain('at most 110,000');
    expect((await refused({ timeframe: '1d', fromMs: NOW - 5 * DAY })).message).toContain('at least 10');
    expect(asked.length).toBe(before);
  });

  it('one backtest per trader; a loader error reaches the caller and frees the trader', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const backtests = service({
      loadHistory: async (request) => {
        if (request.symbol === 'NOPEUSDT') throw new HubError('unknown symbol', 'No market data for NOPEUSDT.');
        await gate;
        return simulatedHistory(request);
      },
    });
    const first = run((listener) => backtests.submit(alice, params(), listener));
    await new Promise((r) => setImmediate(r));
    await expect(backtests.submit(alice, params(), () => undefined)).rejects.toBeInstanceOf(BacktestBusyError);
    await expect(backtests.compare(alice, params(), () => undefined)).rejects.toBeInstanceOf(BacktestBusyError);
    await expect(backtests.submit(bob, params({ symbol: 'NOPEUSDT' }), () => undefined)).rejects.toThrow('unknown symbol');
    release();
    await (
      await first
    ).ended;
    const again = await run((listener) => backtests.submit(bob, params(), listener));
    await again.ended;
    expect(again.events.at(-1)!.kind).toBe('done');
  }, 90_000);

  it('keeps a trader newest runs only; cancel stops a job for its owner only', async () => {
    const backtests = service({ keepPerOwner: 2 });
    const carol = (await createUserService({ orm, accessMode: 'open', adminIds: [] }).register(3, 'Carol')).user.id;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const job = await run((listener) => backtests.submit(carol, params({ fromMs: NOW - (10 + i) * DAY }), listener));
      await job.ended;
      ids.push(job.id);
    }
    expect((await backtests.list(carol, 10)).map((i) => i.id)).toEqual([ids[2], ids[1]]);

    const running = await run((listener) => backtests.submit(alice, params(), listener));
    const waiting = await run((listener) => backtests.submit(carol, params(), listener));
    expect(backtests.cancel(alice, waiting.id)).toBe(false);
    expect(backtests.cancel(carol, waiting.id)).toBe(true);
    await waiting.ended;
    expect(waiting.events.at(-1)).toEqual({ kind: 'cancelled' });
    await running.ended;
    expect(await backtests.get(carol, waiting.id)).toBeNull();
  }, 90_000);
});
