/**
 * The trading engine end to end: the real app (hub, paper broker, decisions, HTTP routes) on the
 * simulated market, the real agent program as child processes (process runtime), a private
 * database. Two agents trade at the same time:
 * - `scalper` opens and closes trades until the test stops it;
 * - `fragile` has a 0.1 % session loss limit and stops itself on its first trade.
 *
 * Deterministic by construction, not by a lucky seed or time of day (the simulated price is the
 * last closed 1-minute bar, so which bar the test sees depends on the wall clock):
 * - SuperTrend always takes a side once warm: its |signal| is in [0.5, 1], above the 0.3
 *   threshold, so a flat agent opens on its first tick whatever the bar.
 * - Within a bar the price does not move, and a paper fill is the price moved against the trader
 *   by the slippage (5 bp here). A stop-loss of 0.01 % of the entry is therefore already crossed
 *   at the next tick: `scalper` closes on SL one tick after each open, then waits out its
 *   cooldown (3 ticks) and opens again. TP is 0.01 % too, so a bar change between the open and
 *   the next tick closes it either way (TP or SL), barring a move within a 2 bp band.
 * - For `fragile` the entry slippage alone (5 bp × 5x leverage = 0.25 % of the margin) exceeds
 *   its 0.1 % limit at the next tick.
 * - To keep `fragile`'s open and its next tick inside one bar, the agents start early in a minute
 *   (the test waits for the next one when less than 20 s are left).
 * Chain logging is off: the trades' and decisions' chain entries wait in the outbox as `pending`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { appSql, earlyInAMinute, recordEvents, startTradingApp, tradesOf as tradesIn } from '../support/e2e.js';
import { waitUntil, processAlive } from '../support/wait.js';

const SLIPPAGE_BPS = 5;
const FEE_BPS = 6;

let db: TestDatabase;
let app: App & { port: number; dataDir: string };
let ownerId: string;
let events: ReturnType<typeof recordEvents>;

const sql = <T = Record<string, unknown>>(query: string, params: unknown[] = []) => appSql<T>(app, query, params);
const tradesOf = (agentId: string) => tradesIn(app, agentId);

beforeAll(async () => {
  db = await createTestDatabase('trading');
  app = await startTradingApp(db.url, 6, { SIMULATED_SEED: '7', PAPER_SLIPPAGE_BPS: String(SLIPPAGE_BPS), PAPER_FEE_BPS: String(FEE_BPS) });
  events = recordEvents(app);
  ownerId = (await app.hub.users.register(7101, 'Trader')).user.id;
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe('trading end to end (simulated market, process runtime)', () => {
  it('trades into PostgreSQL with events and chain entries; a drawdown stop ends an agent', { timeout: 80_000 }, async () => {
    const common = { symbol: 'BTCUSDT', timeframe: '1m' as const, pollSeconds: 1, strategy: 'supertrend', tpSlMode: 'fixed' as const };
    const scalper = await app.hub.agents.create(ownerId, {
      ...common,
      name: 'scalper',
      amountUsdt: 100,
      leverage: 2,
      tpPct: 0.01,
      slPct: 0.01,
      maxSessionLossPct: 50,
      closeOnStop: true,
    });
    const fragile = await app.hub.agents.create(ownerId, {
      ...common,
      name: 'fragile',
      amountUsdt: 100,
      leverage: 5,
      tpPct: null,
      slPct: null,
      maxSessionLossPct: 0.1,
    });
    await earlyInAMinute();
    const started = await Promise.all([scalper, fragile].map((a) => app.hub.lifecycle.start(ownerId, a.id)));
    expect(started.map((a) => a.status)).toEqual(['running', 'running']);
    const [{ container_id: fragileHandle }] = await sql<{ container_id: string }>('select container_id from agents where id = ?', [
      fragile.id,
    ]);
    expect(fragileHandle).toMatch(/^pid:\d+$/);

    // --- the drawdown stop: the agent closes, says why, stops; the hub records and announces it.
    await waitUntil(() => events('drawdown.stop', fragile.id).length > 0, 30_000, 'drawdown.stop of fragile');
    const [dd] = events('drawdown.stop', fragile.id);
    expect(dd.limitPct).toBe(0.1);
    expect(dd.lossPct).toBeGreaterThanOrEqual(0.1);
    expect(dd.ownerId).toBe(ownerId);
    const fragileView = await app.hub.agents.find(ownerId, fragile.id);
    expect(fragileView.status).toBe('stopped');
    expect(fragileView.statusReason).toMatch(/^drawdown stop: loss [\d.]+% of capital ≥ 0\.1% limit$/);
    expect(fragileView.port).toBeNull();
    // Announced once as a drawdown stop (its own alert), with the position closed by the agent.
    expect(events('agent.stopped', fragile.id)).toEqual([
      expect.objectContaining({ reason: fragileView.statusReason, cause: 'drawdown', positionOpen: false }),
    ]);
    await waitUntil(() => !processAlive(Number(fragileHandle.slice(4))), 5_000, 'the fragile agent process to exit');
    const fragileTrades = await tradesOf(fragile.id);
    expect(fragileTrades).toHaveLength(1);
    expect(fragileTrades[0]).toMatchObject({ status: 'closed', close_reason: fragileView.statusReason });
    // The loss the event reports is the broker's: the closed trade's PnL over the margin.
    expect(dd.lossPct).toBeCloseTo((-fragileTrades[0].pnl! / 100) * 100, 9);
    const fragileLogs = (await app.hub.logs.recent(fragile.id, 50)).map((l) => `${l.level} ${l.message}`);
    expect(
      fragileLogs.some((l) =>
        /^warn drawdown stop: loss [\d.]+% of capital ≥ 0\.1% limit \(session PnL -[\d.]+ USDT on 100 USDT\)$/.test(l),
      ),
    ).toBe(true);
    expect(fragileLogs.some((l) => /^info closed (long|short) .* — drawdown stop: /.test(l))).toBe(true);

    // --- the scalper: opens and closes on its stop-loss (or TP) until stopped.
    await waitUntil(
      async () => (await tradesOf(scalper.id)).filter((t) => t.status === 'closed').length >= 2,
      30_000,
      'two closed scalper trades',
    );
    const stopped = await app.hub.lifecycle.stop(ownerId, scalper.id, { reason: 'test over' });
    expect(stopped.status).toBe('stopped');

    const trades = await tradesOf(scalper.id);
    expect(trades.length).toBeGreaterThanOrEqual(2);
    for (const t of trades) {
      expect(t.status).toBe('closed'); // closeOnStop closed the last one, if any
      expect(t.leverage).toBe(2);
      expect(t.margin).toBeCloseTo(100, 9);
      expect(t.entry_price).toBeGreaterThan(0);
      expect(t.exit_price).toBeGreaterThan(0);
      // Taker fee on both fills: 6 bp of the notional at entry (200 USDT) and at exit.
      expect(t.fees).toBeCloseTo((t.qty * (t.entry_price + t.exit_price!) * FEE_BPS) / 10_000, 9);
      const gross = (t.side === 'long' ? t.exit_price! - t.entry_price : t.entry_price - t.exit_price!) * t.qty;
      expect(t.pnl).toBeCloseTo(gross - t.fees, 9);
    }
    expect(trades.filter((t) => t.close_reason === 'sl' || t.close_reason === 'tp').length).toBeGreaterThanOrEqual(2);
    const [row] = await sql<{ realized_pnl: number; status: string }>('select realized_pnl, status from agents where id = ?', [scalper.id]);
    expect(row.status).toBe('stopped');
    expect(row.realized_pnl).toBeCloseTo(
      trades.reduce((sum, t) => sum + t.pnl!, 0),
      9,
    );

    // Events: one trade.opened and one trade.closed per trade, the planner's decision.
    expect(
      events('trade.opened', scalper.id)
        .map((e) => e.tradeId)
        .sort(),
    ).toEqual(trades.map((t) => t.id).sort());
    expect(
      events('trade.closed', scalper.id)
        .map((e) => e.tradeId)
        .sort(),
    ).toEqual(trades.map((t) => t.id).sort());
    for (const e of events('trade.closed', scalper.id)) {
      const t = trades.find((x) => x.id === e.tradeId)!;
      expect(e).toMatchObject({ symbol: 'BTCUSDT', side: t.side, live: false, ownerId, agentName: 'scalper' });
      expect(e.pnl).toBeCloseTo(t.pnl!, 9);
    }
    for (const a of [scalper, fragile]) {
      expect(events('decision.made', a.id)).toEqual([expect.objectContaining({ action: 'PLAN', strategy: 'supertrend' })]);
    }

    // Log lines landed in log_entries, one per change.
    const logs = await sql<{ level: string; message: string }>('select level, message from log_entries where agent_id = ? order by seq', [
      scalper.id,
    ]);
    const messages = logs.map((l) => l.message);
    expect(messages.some((m) => m.startsWith('plan (config): supertrend'))).toBe(true);
    expect(messages.filter((m) => /^opened (long|short) /.test(m))).toHaveLength(trades.length);
    expect(messages.filter((m) => /^closed (long|short) .* — (SL|TP) hit: /.test(m)).length).toBeGreaterThanOrEqual(2);
    expect(messages.some((m) => m.startsWith('stopped: test over'))).toBe(true);

    // Chain outbox: an open and a close entry per trade and the PLAN decision, all waiting.
    const outbox = await sql<{ kind: string; status: string; payload: Record<string, unknown> }>(
      `select kind, status, payload from chain_outbox where payload->>'agentId' = ? order by id`,
      [scalper.id],
    );
    expect(outbox.filter((o) => o.kind === 'trade')).toHaveLength(2 * trades.length);
    expect(outbox.filter((o) => o.kind === 'decision')).toHaveLength(1);
    expect(new Set(outbox.map((o) => o.status))).toEqual(new Set(['pending']));
    const [{ n: fragileEntries }] = await sql<{ n: string }>(`select count(*) as n from chain_outbox where payload->>'agentId' = ?`, [
      fragile.id,
    ]);
    expect(Number(fragileEntries)).toBe(3);
  });
});
