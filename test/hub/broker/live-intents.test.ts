/**
 * Live orders are intent first (issue 10 §4): the order-intent row (with its client order id) is
 * committed before the exchange is called, and neither the agent row lock nor a pooled connection
 * is held while the exchange works. The HashKey stand-in holds its answer to the order (the order
 * is placed and filled at once) so the test can act inside the window between fill and commit:
 * stop the agent, delete it, retry the same key, send another order.
 */
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentSchema, TradeSchema } from '../../../src/db/entities/index.js';
import { createBroker, type Broker } from '../../../src/hub/broker/broker.js';
import { createLogger } from '../../../src/logger.js';
import type { OrderRequest } from '../../../src/shared/wire.js';
import { startHashKeyServer, type HashKeyServer } from '../../support/hashkey-server.js';
import { brokerFixture, settablePrices, standInExchanges, type BrokerFixture } from './fixtures.js';

let fx: BrokerFixture;
let hk: HashKeyServer;
let broker: Broker;
let owner: string;
const prices = settablePrices({ BTCUSDT: 60_000 });
const key = () => crypto.randomUUID();
const PLACE = { path: '/api/v1.1/spot/order', method: 'POST' };
const buy = (idempotencyKey = key()): OrderRequest => ({
  idempotencyKey,
  action: 'open',
  side: 'long',
  amountUsdt: 100,
  tpPrice: 66_000,
  reason: 'breakout',
});

beforeAll(async () => {
  fx = await brokerFixture('live_intents');
  hk = await startHashKeyServer();
  owner = await fx.user();
  broker = createBroker({
    orm: fx.orm,
    events: fx.events,
    prices,
    feeBps: 10,
    slippageBps: 10,
    exchangeFor: standInExchanges(hk, [owner]),
    directory: fx.directory,
    logger: createLogger({ level: 'silent' }),
  });
});

afterAll(async () => {
  await hk?.close();
  await fx?.close();
});

beforeEach(() => {
  prices.stale = false;
  prices.ageMs = 0;
  prices.simulated = false;
});

const intentOf = async (clientOrderId: string) =>
  (
    await fx.sql<{ status: string; agent_id: string | null; action: string }>(
      'select status, agent_id, action from order_intents where client_order_id = ?',
      [clientOrderId],
    )
  )[0];
const ordersAt = (clientOrderId: string) => hk.orders.filter((o) => o.clientOrderId === clientOrderId);

/** Whether another connection can take the agent's row lock right now (NOWAIT: no waiting). */
async function rowLockFree(agentId: string): Promise<boolean> {
  const other = new pg.Client({ connectionString: fx.url });
  await other.connect();
  try {
    await other.query('begin');
    await other.query('select id from agents where id = $1 for update nowait', [agentId]);
    await other.query('rollback');
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') return false;
    throw error;
  } finally {
    await other.end();
  }
}

/** Connections of this database inside a transaction that waits on nothing (a pooled connection held). */
async function idleInTransaction(): Promise<number> {
  const rows = await fx.sql<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`,
  );
  return rows[0].n;
}

describe('live orders: intent first, no lock across the exchange call', () => {
  it('commits the intent before the exchange call; the stop goes through meanwhile and the fill is still recorded and visible', async () => {
    const agentId = await fx.agent(owner, { liveMode: true });
    const k = key();
    const held = hk.hold(PLACE);
    const opening = broker.execute(agentId, buy(k));
    await held.reached;

    // The exchange has filled the order; the hub has not heard back yet.
    expect(ordersAt(k)).toHaveLength(1);
    expect(await intentOf(k)).toMatchObject({ status: 'pending', action: 'open', agent_id: agentId });
    expect(await rowLockFree(agentId)).toBe(true);
    expect(await idleInTransaction()).toBe(0);
    // The lifecycle's stop: stopping, then stopped, both committed while the order is out.
    await fx.setStatus(agentId, 'stopping');
    await fx.setStatus(agentId, 'stopped');

    held.release();
    const opened = await opening;
    const fill = ordersAt(k)[0];
    expect(opened).toMatchObject({ status: 'open', live: true, replayed: false });
    expect(opened.price).toBeCloseTo(Number(fill.cumulativeQuoteQty) / Number(fill.executedQty), 8);
    // Recorded AND visible on the stopped agent: the stop path re-reads it, nothing is orphaned.
    const agent = await fx.orm.em.fork().findOneOrFail(AgentSchema, { id: agentId });
    expect(agent.status).toBe('stopped');
    expect(agent.position).toMatchObject({ tradeId: opened.tradeId, qty: opened.qty, entryPrice: opened.price });
    expect(await fx.count('trades', "agent_id = ? and status = 'open'", [agentId])).toBe(1);
    expect(await intentOf(k)).toMatchObject({ status: 'done' });
    expect(fx.seen('trade.opened').filter((e) => e.agentId === agentId)).toHaveLength(1);
  });

  it('a retry of the same key while the order is out waits for it: one exchange order, one trade', async () => {
    const agentId = await fx.agent(owner, { liveMode: true });
    const k = key();
    const held = hk.hold(PLACE);
    const first = broker.execute(agentId, buy(k));
    await held.reached;
    const retry = broker.execute(agentId, buy(k));
    // Another order (another key) meanwhile is refused: the position is not known yet.
    const other = await broker.execute(agentId, buy()).catch((e: unknown) => e);
    expect(other).toMatchObject({ code: 'order_in_flight', httpStatus: 409 });
    held.release();
    const [a, b] = await Promise.all([first, retry]);
    expect(b.tradeId).toBe(a.tradeId);
    expect([a.replayed, b.replayed]).toEqual([false, true]);
    expect(ordersAt(k)).toHaveLength(1);
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(1);
  });

  it('a close is an intent too: a second close (another key) while the sell is out is refused, never sold twice', async () => {
    const agentId = await fx.agent(owner, { liveMode: true });
    const opened = await broker.execute(agentId, buy());
    const k = key();
    const sells = () => hk.orders.filter((o) => o.side === 'SELL').length;
    const sellsBefore = sells();
    const held = hk.hold(PLACE);
    const closing = broker.execute(agentId, { idempotencyKey: k, action: 'close', reason: 'TP hit' });
    await held.reached;
    expect(await intentOf(k)).toMatchObject({ status: 'pending', action: 'close' });
    const again = await broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'SL hit' }).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'order_in_flight' });
    held.release();
    expect(await closing).toMatchObject({ tradeId: opened.tradeId, status: 'closed' });
    expect(ordersAt(k)).toHaveLength(1);
    expect(sells()).toBe(sellsBefore + 1);
  });

  it('an agent deleted while its order is out: the fill is not lost silently; the owner is told what the exchange holds', async () => {
    const agentId = await fx.agent(owner, { liveMode: true });
    const k = key();
    const held = hk.hold(PLACE);
    const opening = broker.execute(agentId, buy(k)).catch((e: unknown) => e);
    await held.reached;
    // The owner stops and deletes the agent; neither waits for the exchange (no row lock held across the call).
    await fx.setStatus(agentId, 'stopped');
    await fx.directory.remove(owner, agentId);
    held.release();
    const err = await opening;
    expect(err).toMatchObject({ code: 'agent_not_found' });
    // The intent outlives the agent: it says what the exchange holds that no agent tracks.
    expect(await intentOf(k)).toMatchObject({ status: 'orphaned', agent_id: agentId });
    const alerts = fx.seen('order.error').filter((e) => e.agentId === agentId);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ ownerId: owner, live: true });
    expect(alerts[0].message).toMatch(/deleted/);
    expect(alerts[0].message).toContain(ordersAt(k)[0].executedQty.replace(/0+$/, ''));
    expect(await fx.orm.em.fork().count(TradeSchema, { idempotencyKey: k })).toBe(0);
  });
});

describe('live orders: the quote that sizes them', () => {
  const spoilers: Record<string, () => void> = {
    stale: () => {
      prices.stale = true;
    },
    old: () => {
      prices.ageMs = 10 * 60_000;
    },
    simulated: () => {
      prices.simulated = true;
    },
  };
  it.each([
    ['stale', 'quote_stale', 409],
    ['old', 'quote_stale', 409],
    ['simulated', 'live_quote_simulated', 422],
  ] as const)('refuses a live open on a %s quote, before any intent or exchange call', async (what, code, status) => {
    const agentId = await fx.agent(owner, { liveMode: true });
    spoilers[what]();
    const k = key();
    const before = hk.requests.length;
    const err = await broker.execute(agentId, buy(k)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, httpStatus: status });
    expect(hk.requests.length).toBe(before);
    expect(await intentOf(k)).toBeUndefined();
    // No alert: the agent logs the refusal, and would ask again every tick while it lasts.
    expect(fx.seen('order.error').filter((e) => e.agentId === agentId)).toHaveLength(0);
  });

  it('looks the quote of a live open up before locking the agent row (a fresh one may need an upstream call)', async () => {
    const agentId = await fx.agent(owner, { liveMode: true });
    const lockFree: boolean[] = [];
    prices.during = async () => {
      lockFree.push(await rowLockFree(agentId));
    };
    try {
      expect(await broker.execute(agentId, buy())).toMatchObject({ status: 'open', live: true });
    } finally {
      prices.during = undefined;
    }
    expect(lockFree).toEqual([true]);
  });

  it('asks the market for a quote young enough for a live order; paper orders take the cached one', async () => {
    prices.asked.length = 0;
    await broker.execute(await fx.agent(owner, { liveMode: true }), buy());
    expect(prices.asked.at(-1)).toBeGreaterThan(0);
    prices.stale = true;
    // Paper on a stale quote still fills (with a warning), as before.
    expect(await broker.execute(await fx.agent(owner, { liveMode: false }), buy())).toMatchObject({ live: false, status: 'open' });
    expect(prices.asked.at(-1)).toBeUndefined();
  });
});
