/**
 * The client API's backtests over real HTTP, a real hub (its backtest service: worker threads,
 * PostgreSQL) and the simulated market: a run submitted, polled to `done` and read back with its
 * summary, trades and curves; the service's own words for bad settings (400), a second job (409)
 * and a full line (429); cancel; every route scoped to the caller (another user's id: 404).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../../src/hub/errors.js';
import type { BacktestParams } from '../../src/hub/backtest/types.js';
import { backtestParams } from '../fixtures/backtest-params.js';
import { createApiHarness, type ApiHarness } from '../support/api-harness.js';
import { waitUntil } from '../support/wait.js';

let h: ApiHarness;
let ann: { id: string; token: string };
let bob: { id: string; token: string };
let cat: { id: string; token: string };
const [ANN, BOB, CAT] = [9301, 9302, 9303];
const DAY = 86_400_000;

beforeAll(async () => {
  // One worker and one place in the line: the third trader in at once is refused.
  h = await createApiHarness({ env: { ACCESS_MODE: 'open', BACKTEST_CONCURRENCY: '1', BACKTEST_QUEUE_MAX: '1' } });
  const who = async (telegramId: number) => {
    await h.user(telegramId).send('/start');
    return { id: (await h.hub.users.byTelegramId(telegramId))!.id, token: await h.signIn(telegramId) };
  };
  [ann, bob, cat] = [await who(ANN), await who(BOB), await who(CAT)];
});
afterAll(async () => h?.close());

type Json = Record<string, unknown>;
const get = (path: string, who = ann) => h.call<Json>('GET', path, who.token);
const post = (path: string, body: unknown = {}, who = ann) => h.call<Json>('POST', path, who.token, body);
const request = (over: Json = {}) => ({
  symbol: 'BTCUSDT',
  timeframe: '1h',
  strategy: 'auto',
  period: '7d',
  amountUsdt: 1000,
  leverage: 2,
  tpPct: 3,
  slPct: 2,
  ...over,
});

/** Polls the job's status until it is over. */
async function settled(id: string, who = ann): Promise<Json> {
  let last: Json = {};
  await waitUntil(
    async () => {
      last = (await get(`/api/v1/backtests/${id}/status`, who)).body;
      return ['done', 'failed', 'cancelled'].includes(String(last.state));
    },
    60_000,
    `backtest ${id} to end`,
  );
  return last;
}

/** What the service itself says to these params (the chat shows the same words). */
async function serviceWords(params: BacktestParams): Promise<string> {
  try {
    await h.hub.backtests.submit(ann.id, params, () => undefined);
  } catch (error) {
    return (error as HubError).userMessage;
  }
  throw new Error('the service accepted the params');
}

describe('POST /api/v1/backtests: a real run', () => {
  it('runs on the simulated market, reports its state and stores summary, trades and curves', async () => {
    const submitted = await post('/api/v1/backtests', request());
    expect(submitted.status).toBe(202);
    const id = String(submitted.body.id);
    expect(submitted.body.status).toMatchObject({ id, state: 'queued' });
    expect(await settled(id)).toMatchObject({ id, state: 'done', message: null });

    const detail = await get(`/api/v1/backtests/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id, kind: 'backtest' });
    const result = detail.body.result as Json;
    expect(result.params).toMatchObject({ symbol: 'BTCUSDT', timeframe: '1h', strategy: 'auto', leverage: 2, tpPct: 3, slPct: 2 });
    expect(result.bars).toBeGreaterThanOrEqual(7 * 24 - 2);
    const summary = result.summary as Json;
    expect(summary.trades).toBe((result.trades as unknown[]).length);
    expect(typeof summary.totalReturnPct).toBe('number');
    expect((result.equity as unknown[]).length).toBeGreaterThan(10);
    expect((result.buyHold as unknown[]).length).toBe((result.equity as unknown[]).length);
    expect((detail.body.notes as string[]).join(' ')).toContain('rules planner chose');

    const list = await get('/api/v1/backtests');
    expect((list.body.backtests as Json[])[0]).toMatchObject({ id, kind: 'backtest', symbol: 'BTCUSDT', timeframe: '1h', label: 'auto' });
    expect((list.body.backtests as Json[])[0]!.totalReturnPct).toBe(summary.totalReturnPct);

    // Another trader: the id reads as missing on every route, and their list does not hold it.
    for (const path of [`/api/v1/backtests/${id}`, `/api/v1/backtests/${id}/status`])
      expect(await get(path, bob)).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(await post(`/api/v1/backtests/${id}/cancel`, {}, bob)).toMatchObject({ status: 404 });
    expect((await get('/api/v1/backtests', bob)).body.backtests).toEqual([]);
  });

  it('answers 409 while the caller has a job on, and cancel ends it', async () => {
    const first = await post('/api/v1/backtests', request({ period: '1y' }));
    expect(first.status).toBe(202);
    const second = await post('/api/v1/backtests', request());
    expect(second).toMatchObject({ status: 409, body: { error: 'conflict' } });
    expect(String(second.body.message)).toContain('already have a backtest running');
    const id = String(first.body.id);
    expect(await get(`/api/v1/backtests/${id}`)).toMatchObject({ status: 409, body: { message: expect.stringContaining('not finished') } });
    expect(await post(`/api/v1/backtests/${id}/cancel`)).toMatchObject({ status: 200, body: { id, state: 'cancelled' } });
    expect(await settled(id)).toMatchObject({ state: 'cancelled' });
    expect(await get(`/api/v1/backtests/${id}`)).toMatchObject({ status: 404 });
  });

  it('answers 429 with the service words when the line is full', async () => {
    const now = Date.now();
    const jobs = [ann, bob].map((who) =>
      h.hub.backtests.submit(who.id, backtestParams(now - 90 * DAY, now, { timeframe: '1h' }), () => undefined),
    );
    const refused = await post('/api/v1/backtests', request(), cat);
    expect(refused).toMatchObject({ status: 429, body: { error: 'queue_full' } });
    expect(String(refused.body.message)).toContain('Too many backtests are waiting');
    const ids = await Promise.all(jobs);
    for (const [i, who] of [ann, bob].entries()) h.hub.backtests.cancel(who.id, ids[i]!.id);
  });
});

describe('POST /api/v1/backtests: validation', () => {
  it("refuses bad settings with the service's own words", async () => {
    const now = Date.now();
    const cases: Array<[Json, Partial<BacktestParams>]> = [
      [{ leverage: 500 }, { leverage: 500 }],
      [{ strategy: 'astrology' }, { strategy: 'astrology' as never }],
      [{ timeframe: '7m' }, { timeframe: '7m' as never }],
      [{ amountUsdt: 1 }, { amountUsdt: 1 }],
      [
        { leverage: 20, slPct: 10 },
        { leverage: 20, slPct: 10 },
      ],
    ];
    for (const [body, params] of cases) {
      const words = await serviceWords(backtestParams(now - 7 * DAY, now, { timeframe: '1h', ...params }));
      expect(await post('/api/v1/backtests', request(body))).toEqual({ status: 400, body: { error: 'validation_failed', message: words } });
    }
  });

  it('refuses a missing period, a pair the market does not serve and unknown fields', async () => {
    const noPeriod = await post('/api/v1/backtests', request({ period: undefined }));
    expect(noPeriod).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
    expect(String(noPeriod.body.message)).toContain('Choose a period');
    const pair = await post('/api/v1/backtests', request({ symbol: 'NOPEUSDT' }));
    expect(pair).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
    expect((await post('/api/v1/backtests', request({ period: '2y' }))).status).toBe(400);
    expect((await post('/api/v1/backtests', request({ owner: bob.id }))).status).toBe(400);
    expect((await get('/api/v1/backtests/not-an-id')).status).toBe(400);
    expect((await h.call('GET', '/api/v1/backtests')).status).toBe(401);
  });

  it('documents the routes in OpenAPI', async () => {
    const doc = (await h.call<{ paths: Record<string, unknown> }>('GET', '/api/v1/openapi.json')).body;
    for (const path of ['/api/v1/backtests', '/api/v1/backtests/{id}', '/api/v1/backtests/{id}/status', '/api/v1/backtests/{id}/cancel'])
      expect(doc.paths).toHaveProperty([path]);
  });
});
