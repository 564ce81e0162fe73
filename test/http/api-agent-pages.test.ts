/**
 * The agent page's data and controls over real HTTP, a real hub and PostgreSQL: trades (pages,
 * newest first), candles with markers and levels, equity, profit, logs (level filter, paging),
 * start / stop / force exit / pause / resume through the hub's lifecycle and settings, and
 * `/ws` with a session token. Another user's agent is 404 on every route.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiHarness, type ApiHarness, type ApiUser } from '../support/api-harness.js';
import { seedTrades } from '../support/seed-trades.js';
import { statusPush } from '../support/status-push.js';

let h: ApiHarness;
let ann: ApiUser;
let bob: ApiUser;

beforeAll(async () => {
  h = await createApiHarness({ env: { ACCESS_MODE: 'open' } });
  ann = await h.trader(9301);
  bob = await h.trader(9302);
});
afterAll(async () => h?.close());

type Json = Record<string, unknown>;
const get = (path: string, who = ann) => h.call<Json>('GET', path, who.token);
const post = (path: string, body: unknown = {}, who = ann) => h.call<Json>('POST', path, who.token, body);
const openLong = (agentId: string) => h.openLong(agentId);
const agentOf = (who: ApiUser, name: string, start = false) => h.agentOf(who, name, { start, amountUsdt: 1000 });

describe('agent data routes', () => {
  it('pages trades newest first, and refuses a bad page size', async () => {
    const a = await agentOf(ann, 'trades-a');
    const base = Date.UTC(2026, 0, 1);
    const ids = await seedTrades(
      h.orm,
      [10, -5, 20, 7, -3].map((pnl, i) => ({ agentId: a.id, pnl, closedAt: new Date(base + (i + 1) * 3_600_000) })),
    );
    const first = await get(`/api/v1/agents/${a.id}/trades?pageSize=2`);
    expect(first.body).toMatchObject({ total: 5, page: 0, pageSize: 2, pages: 3 });
    expect((first.body.trades as Json[]).map((t) => t.id)).toEqual([ids[4], ids[3]]);
    const last = await get(`/api/v1/agents/${a.id}/trades?page=2&pageSize=2`);
    expect((last.body.trades as Json[]).map((t) => t.id)).toEqual([ids[0]]);
    expect((last.body.trades as Json[])[0]).toMatchObject({ status: 'closed', pnl: 10, side: 'long' });
    expect((await get(`/api/v1/agents/${a.id}/trades?pageSize=1000`)).status).toBe(400);
    expect((await get(`/api/v1/agents/${a.id}/trades`, bob)).status).toBe(404);
  });

  it('gives equity and profit figures from the closed trades (the /profit definitions)', async () => {
    const a = await agentOf(ann, 'equity-a');
    const base = Date.UTC(2026, 1, 1);
    await seedTrades(h.orm, [
      { agentId: a.id, pnl: 50, closedAt: new Date(base + 3_600_000) },
      { agentId: a.id, pnl: -20, closedAt: new Date(base + 7_200_000) },
    ]);
    const equity = await get(`/api/v1/agents/${a.id}/equity`);
    expect(equity.body.capital).toBe(1000);
    expect((equity.body.points as Json[]).map((p) => p.equity)).toEqual([1000, 1050, 1030]);
    const profit = await get(`/api/v1/agents/${a.id}/profit`);
    expect(profit.body).toMatchObject({ trades: 2, wins: 1, losses: 1, pnl: 30, capital: 1000, roi: 0.03, profitFactor: 2.5 });
    expect(profit.body.best).toMatchObject({ pnl: 50, agentName: 'equity-a' });
    const onlyWins = await agentOf(ann, 'wins-only');
    await seedTrades(h.orm, [{ agentId: onlyWins.id, pnl: 5, closedAt: new Date(base) }]);
    expect((await get(`/api/v1/agents/${onlyWins.id}/profit`)).body.profitFactor).toBe('infinity');
    const all = await get('/api/v1/profit');
    expect(all.body.trades).toBeGreaterThanOrEqual(3);
    expect((await get('/api/v1/profit', bob)).body.trades).toBe(0);
    for (const path of ['equity', 'profit']) expect((await get(`/api/v1/agents/${a.id}/${path}`, bob)).status).toBe(404);
  });

  it('gives candles with the trades in their window and the position levels', async () => {
    const a = await agentOf(ann, 'candles-a', true);
    const opened = await openLong(a.id);
    const res = await get(`/api/v1/agents/${a.id}/candles?interval=1h&limit=50`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ symbol: 'BTCUSDT', interval: '1h', simulated: true });
    expect((res.body.candles as Json[]).length).toBe(50);
    expect(res.body.trades).toEqual([expect.objectContaining({ tradeId: opened.tradeId, side: 'long', closedAtMs: null })]);
    expect((res.body.levels as Json[]).map((l) => l.kind)).toContain('entry');
    expect((await get(`/api/v1/agents/${a.id}/candles?interval=2h`)).status).toBe(400);
    expect((await get(`/api/v1/agents/${a.id}/candles`, bob)).status).toBe(404);
  });

  it('pages logs newest last, with a level filter and older pages', async () => {
    const a = await agentOf(ann, 'logs-a');
    const levels = ['debug', 'info', 'warn', 'error'] as const;
    const ts = new Date().toISOString();
    const entries = Array.from({ length: 12 }, (_, i) => ({ seq: i + 1, level: levels[i % 4]!, message: `line ${i + 1}`, ts }));
    await h.hub.ingest.logs(a.id, { ownerId: ann.id, name: a.name }, entries);
    const newest = await get(`/api/v1/agents/${a.id}/logs?limit=5`);
    expect((newest.body.entries as Json[]).map((e) => e.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(newest.body.olderBeforeSeq).toBe(8);
    const older = await get(`/api/v1/agents/${a.id}/logs?limit=5&beforeSeq=8`);
    expect((older.body.entries as Json[]).map((e) => e.seq)).toEqual([3, 4, 5, 6, 7]);
    const warnings = await get(`/api/v1/agents/${a.id}/logs?level=warn`);
    expect((warnings.body.entries as Json[]).map((e) => e.level)).toEqual(
      Array(6)
        .fill(0)
        .map((_, i) => (i % 2 ? 'error' : 'warn')),
    );
    expect(warnings.body.olderBeforeSeq).toBeNull();
    const after = await get(`/api/v1/agents/${a.id}/logs?afterSeq=10`);
    expect((after.body.entries as Json[]).map((e) => e.seq)).toEqual([11, 12]);
    expect((await get(`/api/v1/agents/${a.id}/logs?level=loud`)).status).toBe(400);
    expect((await get(`/api/v1/agents/${a.id}/logs`, bob)).status).toBe(404);
  });
});

describe('agent control routes', () => {
  it('starts, pauses, resumes and stops through the hub, and says what happened', async () => {
    const a = await agentOf(ann, 'ctl-a');
    expect(await post(`/api/v1/agents/${a.id}/start`)).toMatchObject({ status: 200, body: { agent: { status: 'running' } } });
    const paused = await post(`/api/v1/agents/${a.id}/pause`);
    expect(paused.body).toMatchObject({ agent: { paused: true }, closed: null });
    expect(String(paused.body.message)).toContain('paused: it opens no new position');
    expect((await h.hub.agents.find(ann.id, a.id)).paused).toBe(true);
    expect((await post(`/api/v1/agents/${a.id}/resume`)).body).toMatchObject({ agent: { paused: false } });
    const stopped = await post(`/api/v1/agents/${a.id}/stop`, { closePosition: false });
    expect(stopped.body).toMatchObject({ agent: { status: 'stopped' }, message: 'ctl-a stopped.' });
    expect(await post(`/api/v1/agents/${a.id}/stop`)).toMatchObject({ status: 409, body: { error: 'conflict' } });
  });

  it('force-exits the shown position once; a stale trade id closes nothing', async () => {
    const a = await agentOf(ann, 'fx-a', true);
    const opened = await openLong(a.id);
    const done = await post(`/api/v1/agents/${a.id}/force-exit`, { tradeId: opened.tradeId });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ agent: { status: 'running', position: null }, closed: { tradeId: opened.tradeId, replayed: false } });
    const again = await post(`/api/v1/agents/${a.id}/force-exit`, { tradeId: opened.tradeId });
    expect(again.body.closed === null || (again.body.closed as Json).replayed === true).toBe(true);
    const rows: Array<{ n: string }> = await h.orm.em
      .fork()
      .getConnection()
      .execute(`select count(*) as n from trades where agent_id = ? and status = 'closed'`, [a.id]);
    expect(Number(rows[0]!.n)).toBe(1);
    expect((await post(`/api/v1/agents/${a.id}/force-exit`, { tradeId: 'nope' })).status).toBe(400);
  });

  it("refuses every control of another user's agent with 404, and changes nothing", async () => {
    const theirs = await agentOf(bob, 'ctl-theirs', true);
    for (const action of ['start', 'stop', 'pause', 'resume']) {
      expect((await post(`/api/v1/agents/${theirs.id}/${action}`)).status, action).toBe(404);
    }
    expect((await post(`/api/v1/agents/${theirs.id}/force-exit`, { tradeId: randomUUID() })).status).toBe(404);
    expect(await h.hub.agents.find(bob.id, theirs.id)).toMatchObject({ status: 'running', paused: false });
  });
});

describe('/ws with a dashboard session token', () => {
  it("streams the caller's agents' status and nothing of other users'", async () => {
    const mine = await agentOf(ann, 'ws-mine');
    const theirs = await agentOf(bob, 'ws-theirs');
    const socket = new WebSocket(`${h.url.replace('http', 'ws')}/ws?token=${ann.token}`);
    const messages: Array<{ type: string; data: Json }> = [];
    socket.on('message', (raw) => messages.push(JSON.parse((raw as Buffer).toString('utf8')) as { type: string; data: Json }));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      const wait = () => (messages.some((m) => m.type === 'hello') ? resolve() : setTimeout(wait, 10));
      wait();
    });
    const { seq: _seq, ...status } = statusPush(1, { price: 100 });
    h.hub.events.emit('agent.status', { agentId: theirs.id, ownerId: bob.id, agentName: theirs.name, status });
    h.hub.events.emit('agent.status', { agentId: mine.id, ownerId: ann.id, agentName: mine.name, status });
    await new Promise<void>((resolve) => {
      const wait = () => (messages.some((m) => m.type === 'agent.status') ? resolve() : setTimeout(wait, 10));
      wait();
    });
    socket.close();
    const statuses = messages.filter((m) => m.type === 'agent.status');
    expect(statuses.map((m) => m.data.agentId)).toEqual([mine.id]);
    expect(statuses[0]!.data.status).toMatchObject({ state: 'running', price: 100 });
  });
});
