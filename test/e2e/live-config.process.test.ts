/**
 * Editing and controlling a running agent, end to end: the real app (hub, paper broker, HTTP routes) on the
 * simulated market, the real agent program as a child process (process runtime), a private
 * database, and the HashKey stand-in as the exchange the owner holds keys for.
 *
 * - A take-profit lowered past the price must close the open position at the new level: the
 *   change reaches the running agent, not only the database.
 * - Paper/live and leverage are fixed for a session at its start: after an edit to live (and to
 *   another leverage) the running session's orders stay paper at the old leverage; no order
 *   reaches the exchange.
 * - The owner's trading controls of a running agent: a force exit makes exactly one closing trade
 *   (reason `force exit`); the agent learns it from its status ack, takes the hub's close (no
 *   second fill) and trades on. A paused agent opens nothing while its held position is still
 *   closed by its take-profit; paused survives a restart (the `/start` config carries it);
 *   resumed, it opens again.
 *
 * Deterministic within a 1-minute bar (the simulated price is the last closed 1-minute bar, so it
 * does not move inside one; the test starts early in a minute): SuperTrend always takes a side
 * once warm, so a flat agent opens on its first tick; a stop-loss of 0.01 % is crossed one tick
 * after an open (the paper fill is moved against the trader by the slippage); a take-profit of
 * 50 % is never reached, and the one that must fire is set 5 % from an entry moved 10 % into profit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { fmtPrice } from '../../src/engine/format.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { appSql, earlyInAMinute, recordEvents, startTradingApp, tradesOf as tradesIn } from '../support/e2e.js';
import { startHashKeyServer, type HashKeyServer } from '../support/hashkey-server.js';
import { waitUntil } from '../support/wait.js';

let db: TestDatabase;
let hk: HashKeyServer;
let app: App & { port: number; dataDir: string };
let ownerId: string;
let events: ReturnType<typeof recordEvents>;

const sql = <T = Record<string, unknown>>(query: string, params: unknown[] = []) => appSql<T>(app, query, params);
const tradesOf = (agentId: string) => tradesIn(app, agentId);
const logsOf = async (agentId: string) =>
  (await sql<{ message: string }>('select message from log_entries where agent_id = ? order by seq', [agentId])).map((l) => l.message);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  db = await createTestDatabase('liveconfig');
  hk = await startHashKeyServer();
  app = await startTradingApp(db.url, 4, { SIMULATED_SEED: '11', PAPER_SLIPPAGE_BPS: '5', HASHKEY_BASE_URL: hk.url });
  events = recordEvents(app);
  ownerId = (await app.hub.users.register(7201, 'Trader')).user.id;
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await hk?.close();
  await db?.drop();
});

const common = {
  symbol: 'BTCUSDT',
  timeframe: '1m' as const,
  pollSeconds: 1,
  strategy: 'supertrend',
  tpSlMode: 'fixed' as const,
  amountUsdt: 100,
  leverage: 2,
};

describe('editing a running agent (simulated market, process runtime)', () => {
  it('a take-profit lowered past the price closes the open position at the new level', { timeout: 90_000 }, async () => {
    const agent = await app.hub.agents.create(ownerId, {
      ...common,
      name: 'holder',
      tpPct: 50,
      slPct: null,
      maxSessionLossPct: 50,
      closeOnStop: false,
    });
    await earlyInAMinute();
    await app.hub.lifecycle.start(ownerId, agent.id);
    await waitUntil(() => events('trade.opened', agent.id).length > 0, 20_000, 'the first open');
    await app.hub.lifecycle.stop(ownerId, agent.id, { closePosition: false, reason: 'setting up' });

    // The held position was opened 10 % better than the price now (a long lower, a short higher),
    // its levels left to the agent to compute from the config on resume.
    const [open] = await tradesOf(agent.id);
    expect(open.status).toBe('open');
    const entry = open.side === 'long' ? open.entry_price * 0.9 : open.entry_price * 1.1;
    await sql('update trades set entry_price = ? where id = ?', [entry, open.id]);
    await sql(
      `update agents set position = position || jsonb_build_object('entryPrice', ?::float8, 'tpPrice', null, 'slPrice', null) where id = ?`,
      [entry, agent.id],
    );
    await app.hub.lifecycle.start(ownerId, agent.id);
    await waitUntil(async () => (await logsOf(agent.id)).some((m) => m.startsWith(`resumed ${open.side}`)), 10_000, 'the resume');
    await new Promise((r) => setTimeout(r, 1500)); // a tick or more with TP at +50 %: nothing happens
    expect((await tradesOf(agent.id))[0].status).toBe('open');

    // 5 % from the entry is past the price now (about 10 % away): the next tick takes profit.
    const edited = await app.hub.settings.edit(ownerId, agent.id, { tpPct: 5 });
    expect(edited).toMatchObject({ appliedLive: ['tpPct'], notApplied: null });
    const tp = open.side === 'long' ? entry * 1.05 : entry * 0.95;
    await waitUntil(async () => (await tradesOf(agent.id))[0].status === 'closed', 10_000, 'the close at the new take-profit');
    const [closed] = await tradesOf(agent.id);
    expect(closed.close_reason).toBe('tp');
    const cmp = open.side === 'long' ? '≥' : '≤';
    const line = new RegExp(`^closed ${open.side} .* — TP hit: price [\\d.]+ ${cmp} TP ${fmtPrice(tp).replace('.', '\\.')}$`);
    await waitUntil(async () => (await logsOf(agent.id)).some((m) => line.test(m)), 5_000, 'the agent log of the close');
    expect(await logsOf(agent.id)).toContain(`settings changed: tpPct 5; ${open.side} position: TP ${fmtPrice(tp)}, SL none`);
    await app.hub.lifecycle.stop(ownerId, agent.id, { reason: 'test over' });
  });

  it('a running paper session stays paper at its leverage after an edit to live and to 3x', { timeout: 90_000 }, async () => {
    // The owner has working HashKey keys: a live order would reach the stand-in.
    await app.hub.vault.set(ownerId, 'HASHKEY_API_KEY', hk.apiKey);
    await app.hub.vault.set(ownerId, 'HASHKEY_SECRET', hk.secret);
    const agent = await app.hub.agents.create(ownerId, {
      ...common,
      name: 'switcher',
      tpPct: 0.01,
      slPct: 0.01,
      maxSessionLossPct: 50,
      closeOnStop: true,
    });
    await earlyInAMinute();
    await app.hub.lifecycle.start(ownerId, agent.id);
    const edited = await app.hub.settings.edit(ownerId, agent.id, { liveMode: true, leverage: 3 });
    expect([...edited.needsRestart].sort()).toEqual(['leverage', 'liveMode']);
    // The first open may race the edit; the second comes after a close and the 3-tick cooldown.
    await waitUntil(async () => (await tradesOf(agent.id)).length >= 2, 30_000, 'a second open');
    await app.hub.lifecycle.stop(ownerId, agent.id, { reason: 'test over' });
    const trades = await tradesOf(agent.id);
    for (const t of trades) expect(t).toMatchObject({ live: false, leverage: 2 });
    expect(hk.orders).toHaveLength(0);
    expect(hk.requests.filter((r) => r.path.includes('/order'))).toHaveLength(0);
    // The edit is kept for the next session.
    expect(await app.hub.agents.find(ownerId, agent.id)).toMatchObject({ liveMode: true, leverage: 3 });
  });
});

/** Holds a position it opens: a take-profit of 50 % is never reached, and there is no stop-loss. */
const controlled = { ...common, tpPct: 50, slPct: null, maxSessionLossPct: 50 };

describe('trading controls (simulated market, process runtime)', () => {
  it('a force exit closes the running agent’s position once; the agent learns it and trades on', { timeout: 90_000 }, async () => {
    const agent = await app.hub.agents.create(ownerId, { ...controlled, name: 'exiter', closeOnStop: true });
    await earlyInAMinute();
    await app.hub.lifecycle.start(ownerId, agent.id);
    await waitUntil(() => events('trade.opened', agent.id).length > 0, 20_000, 'the first open');
    const [first] = await tradesOf(agent.id);

    const { agent: after, closed } = await app.hub.lifecycle.forceExit(ownerId, agent.id, first!.id);
    expect(closed).toMatchObject({ tradeId: first!.id, status: 'closed', replayed: false, closeReason: 'force exit' });
    expect(after).toMatchObject({ status: 'running', position: null });

    // The agent hears it from its next status ack and asks for the close by trade id: a replay.
    const learnt = new RegExp(`^closed ${first!.side} .* — the hub closed the position$`);
    await waitUntil(async () => (await logsOf(agent.id)).some((m) => learnt.test(m)), 10_000, 'the agent taking the hub close');
    // It trades on: after its cooldown it opens again (the strategy always takes a side).
    await waitUntil(() => events('trade.opened', agent.id).length >= 2, 20_000, 'a new open after the force exit');
    await app.hub.lifecycle.stop(ownerId, agent.id, { reason: 'test over' });

    const trades = await tradesOf(agent.id);
    expect(trades.filter((t) => t.id === first!.id)).toEqual([expect.objectContaining({ status: 'closed', close_reason: 'force exit' })]);
    expect(events('trade.closed', agent.id).filter((e) => e.tradeId === first!.id)).toHaveLength(1);
    expect(events('trade.opened', agent.id).map((e) => e.tradeId)).toEqual(trades.map((t) => t.id));
    const logs = await logsOf(agent.id);
    expect(logs.filter((m) => /refused/.test(m))).toEqual([]);
    const [row] = await sql<{ realized_pnl: number }>('select realized_pnl from agents where id = ?', [agent.id]);
    expect(row!.realized_pnl).toBeCloseTo(
      trades.reduce((s, t) => s + (t.pnl ?? 0), 0),
      9,
    );
  });

  it('paused: no entry, TP still fires, paused across restarts; resumed: it opens again', { timeout: 120_000 }, async () => {
    const agent = await app.hub.agents.create(ownerId, { ...controlled, name: 'pauser', closeOnStop: false });
    await earlyInAMinute();
    await app.hub.lifecycle.start(ownerId, agent.id);
    await waitUntil(() => events('trade.opened', agent.id).length > 0, 20_000, 'the first open');
    expect(await app.hub.settings.setPaused(ownerId, agent.id, true)).toMatchObject({ changed: true, appliedLive: true });
    await waitUntil(async () => (await logsOf(agent.id)).includes('settings changed: paused true'), 5_000, 'the agent taking the pause');

    // Restarted paused, holding a position 10 % in profit whose levels the agent recomputes.
    await app.hub.lifecycle.stop(ownerId, agent.id, { closePosition: false, reason: 'setting up' });
    const [held] = await tradesOf(agent.id);
    expect(held!.status).toBe('open');
    const entry = held!.side === 'long' ? held!.entry_price * 0.9 : held!.entry_price * 1.1;
    await sql('update trades set entry_price = ? where id = ?', [entry, held!.id]);
    await sql(
      `update agents set position = position || jsonb_build_object('entryPrice', ?::float8, 'tpPrice', null, 'slPrice', null) where id = ?`,
      [entry, agent.id],
    );
    await app.hub.lifecycle.start(ownerId, agent.id);
    await waitUntil(async () => (await logsOf(agent.id)).some((m) => m.startsWith(`resumed ${held!.side}`)), 10_000, 'the resume');
    expect((await logsOf(agent.id)).filter((m) => m.startsWith('start:')).at(-1)).toContain('paused by owner (no new entries)');

    // The take-profit, moved within reach, still closes the position while paused.
    expect(await app.hub.settings.edit(ownerId, agent.id, { tpPct: 5 })).toMatchObject({ appliedLive: ['tpPct'] });
    await waitUntil(async () => (await tradesOf(agent.id))[0]!.status === 'closed', 10_000, 'the take-profit');
    expect((await tradesOf(agent.id))[0]!.close_reason).toBe('tp');
    await sleep(6_000); // six ticks: past the 3-tick cooldown, a flat unpaused agent would open
    expect(await tradesOf(agent.id)).toHaveLength(1);

    // Still paused after another restart: the /start carries it.
    await app.hub.lifecycle.stop(ownerId, agent.id, { reason: 'restart' });
    await app.hub.lifecycle.start(ownerId, agent.id);
    await sleep(4_000);
    expect(await tradesOf(agent.id)).toHaveLength(1);
    expect((await logsOf(agent.id)).filter((m) => m.startsWith('start:')).at(-1)).toContain('paused by owner');

    expect(await app.hub.settings.setPaused(ownerId, agent.id, false)).toMatchObject({ changed: true, appliedLive: true });
    await waitUntil(async () => (await tradesOf(agent.id)).length === 2, 15_000, 'an open after the resume');
    await app.hub.lifecycle.stop(ownerId, agent.id, { closePosition: true, reason: 'test over' });
  });
});
