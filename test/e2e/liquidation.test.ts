/**
 * Hub-side liquidation through the real app (hub wiring, market routes, status route) on the
 * simulated market, without agent processes. The simulated price cannot be steered, so the test
 * moves the position instead: it rewrites an open long's entry and liquidation price above the
 * market in PostgreSQL, restarts the app (the open positions book is rebuilt at boot), and then
 * an agent's plain price lookup is what liquidates it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { TradeEventData } from '../../src/hub/events.js';
import { liquidationPrice } from '../../src/shared/liquidation.js';
import type { PositionWire, StatusAck, StatusPush } from '../../src/shared/wire.js';
import { startTestApp } from '../support/app-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { waitUntil } from '../support/wait.js';

let db: TestDatabase;
let app: (App & { port: number; dataDir: string }) | undefined;

beforeAll(async () => {
  db = await createTestDatabase('liquidation_e2e');
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

async function sql<T = Record<string, unknown>>(a: App, query: string, params: unknown[] = []): Promise<T[]> {
  return a.orm.em.fork().getConnection().execute(query, params);
}

describe('hub-side liquidation in the app', () => {
  it('a price served to an agent liquidates a crossed paper position once; the status answer says so', { timeout: 60_000 }, async () => {
    app = await startTestApp({ databaseUrl: db.url, env: { PAPER_FEE_BPS: '10', PAPER_SLIPPAGE_BPS: '0' } });
    const ownerId = (await app.hub.users.register(7301, 'Trader')).user.id;
    const agent = await app.hub.agents.create(ownerId, { name: 'leveraged', symbol: 'BTCUSDT', amountUsdt: 100, leverage: 5 });
    // No agent program runs here: the test opens for it, as its running session would.
    await sql(app, `update agents set status = 'running' where id = ?`, [agent.id]);
    const opened = await app.hub.broker.execute(agent.id, {
      idempotencyKey: crypto.randomUUID(),
      action: 'open',
      side: 'long',
      reason: 'signal',
    });
    expect(app.hub.openPositions.has(opened.tradeId)).toBe(true);
    const market = opened.price;

    // Move the position 50 % above the market (as if bought before a crash), then restart.
    const entry = market * 1.5;
    const qty = 500 / entry;
    const liq = liquidationPrice('long', entry, 5);
    const openedAt = new Date(Date.now() - 3_600_000).toISOString();
    const position: PositionWire = { ...opened.position!, entryPrice: entry, qty, liquidationPrice: liq, openedAt };
    await sql(app, 'update trades set entry_price = ?, qty = ?, liquidation_price = ?, opened_at = ? where id = ?', [
      entry,
      qty,
      liq,
      openedAt,
      opened.tradeId,
    ]);
    await sql(app, 'update agents set position = ?::jsonb where id = ?', [JSON.stringify(position), agent.id]);
    await app.stop();
    app = await startTestApp({ databaseUrl: db.url, env: { PAPER_FEE_BPS: '10', PAPER_SLIPPAGE_BPS: '0' } });
    const hub = app.hub;
    expect(hub.openPositions.has(opened.tradeId)).toBe(true);
    const closed: TradeEventData[] = [];
    hub.events.on('trade.closed', (e) => closed.push(e));

    const token = await hub.tokens.mintAgentToken(agent.id);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const priced = await fetch(`${app.url}/internal/market/price?symbol=BTCUSDT&priority=position`, { headers });
    expect(priced.status).toBe(200);
    await waitUntil(() => closed.length > 0, 10_000, 'the liquidation');
    await hub.liquidator.idle();

    const [trade] = await sql<{ status: string; close_reason: string; exit_price: number; pnl: number; fees: number; margin: number }>(
      app,
      'select * from trades where id = ?',
      [opened.tradeId],
    );
    expect(trade).toMatchObject({ status: 'closed', close_reason: 'liquidation' });
    expect(trade!.exit_price).toBeCloseTo(liq, 6);
    expect(trade!.pnl).toBeGreaterThanOrEqual(-(trade!.margin + trade!.fees));
    expect(trade!.pnl).toBeCloseTo(-(entry - liq) * qty - trade!.fees, 6);
    expect(closed).toEqual([expect.objectContaining({ tradeId: opened.tradeId, reason: 'liquidation', ownerId })]);
    const records = await sql<{ side: string }>(
      app,
      `select payload->>'side' as side from chain_outbox where payload->>'agentId' = ? order by id`,
      [agent.id],
    );
    expect(records.map((r) => r.side)).toEqual(['OPEN_LONG', 'CLOSE_LONG']);
    expect(hub.openPositions.has(opened.tradeId)).toBe(false);

    // The agent still pushes the position: the answer names the trade the hub closed.
    const push: StatusPush = {
      seq: 1,
      state: 'running',
      price: market,
      position,
      unrealizedPnl: 0,
      realizedPnl: 0,
      strategy: null,
      lastAction: null,
      stale: false,
      simulated: true,
      ts: new Date().toISOString(),
    };
    const ack = await fetch(`${app.url}/internal/agents/${agent.id}/status`, { method: 'POST', headers, body: JSON.stringify(push) });
    expect(ack.status).toBe(202);
    expect((await ack.json()) as StatusAck).toEqual({ accepted: true, closedTradeId: opened.tradeId });

    // Its close names the trade and gets the liquidation back; more prices change nothing.
    const answer = await fetch(`${app.url}/internal/agents/${agent.id}/orders`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        idempotencyKey: crypto.randomUUID(),
        action: 'close',
        reason: 'the hub closed the position',
        tradeId: opened.tradeId,
      }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ tradeId: opened.tradeId, status: 'closed', replayed: true, closeReason: 'liquidation' });
    await fetch(`${app.url}/internal/market/candles?symbol=BTCUSDT&interval=1m&limit=5`, { headers });
    await hub.liquidator.idle();
    expect(closed).toHaveLength(1);
  });
});
