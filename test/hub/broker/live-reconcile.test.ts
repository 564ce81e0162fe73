/**
 * Reconciling open order intents against the exchange by client order id (issue 10 §4), for a
 * hub that died at each step of a live order. The dead hub is a broker whose exchange call never
 * returns (before reaching the exchange, or after the exchange filled the order); the restarted
 * hub is a second broker on the same database, with a clock past the time in which a request the
 * dead hub sent could still reach the exchange.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSchema, TradeSchema } from '../../../src/db/entities/index.js';
import { createBroker, type Broker, type BrokerDeps } from '../../../src/hub/broker/broker.js';
import { createLogger } from '../../../src/logger.js';
import type { OrderRequest } from '../../../src/shared/wire.js';
import { startHashKeyServer, type HashKeyServer } from '../../support/hashkey-server.js';
import { waitUntil } from '../../support/wait.js';
import {
  brokerFixture,
  dieAt,
  failInserts,
  settablePrices,
  standInExchanges,
  type BrokerFixture,
  type ExchangeTamper,
} from './fixtures.js';

let fx: BrokerFixture;
let hk: HashKeyServer;
let owner: string;
const key = () => crypto.randomUUID();
const buy = (idempotencyKey = key()): OrderRequest => ({
  idempotencyKey,
  action: 'open',
  side: 'long',
  amountUsdt: 100,
  reason: 'breakout',
});

beforeAll(async () => {
  fx = await brokerFixture('live_reconcile');
  hk = await startHashKeyServer();
  owner = await fx.user();
});

afterAll(async () => {
  await hk?.close();
  await fx?.close();
});

/**
 * A broker (a hub process); `tamper` changes its exchange. `later(ms)` moves its clock on (the
 * time the hub waits before it calls an order the exchange does not hold failed).
 */
function hub(options: { tamper?: ExchangeTamper } = {}): Broker & { later(ms: number): Broker } {
  const clock = { aheadMs: 0 };
  const deps: BrokerDeps = {
    orm: fx.orm,
    events: fx.events,
    prices: settablePrices({ BTCUSDT: 60_000 }, () => Date.now() + clock.aheadMs),
    feeBps: 10,
    slippageBps: 10,
    exchangeFor: standInExchanges(hk, [owner], options.tamper),
    directory: fx.directory,
    logger: createLogger({ level: 'silent' }),
    now: () => new Date(Date.now() + clock.aheadMs),
  };
  const broker = createBroker(deps);
  return Object.assign(broker, {
    later(ms: number) {
      clock.aheadMs += ms;
      return broker;
    },
  });
}

const intentOf = async (clientOrderId: string) =>
  (await fx.sql<{ status: string }>('select status from order_intents where client_order_id = ?', [clientOrderId]))[0];
const ordersAt = (clientOrderId: string) => hk.orders.filter((o) => o.clientOrderId === clientOrderId);
const agentRow = (id: string) => fx.orm.em.fork().findOneOrFail(AgentSchema, { id });
const tradesOf = (agentId: string) => fx.orm.em.fork().find(TradeSchema, { agent: agentId });
/** The exchange's fill of an order: average price, executed quantity, fee. */
function exchangeFill(clientOrderId: string) {
  const [order] = ordersAt(clientOrderId);
  const fee = hk.trades.filter((t) => t.orderId === order.orderId).reduce((s, t) => s + Number(t.commission), 0);
  return { price: Number(order.cumulativeQuoteQty) / Number(order.executedQty), executed: Number(order.executedQty), fee };
}

describe('reconcile at boot', () => {
  it('a hub that died before the exchange call: the intent is failed once no request can arrive any more; the retry then trades once', async () => {
    const agentId = await fx.agent(owner, { liveMode: true });
    const k = key();
    void hub({ tamper: dieAt('before') }).execute(agentId, buy(k));
    await waitUntil(async () => (await intentOf(k))?.status === 'pending', 5_000, 'the committed intent');

    // Right after the restart a request of the dead hub could still reach the exchange: wait.
    const justRestarted = await hub().reconcile();
    expect(justRestarted.pending).toContain(k);
    expect((await intentOf(k)).status).toBe('pending');

    const restarted = hub().later(60_000);
    const report = await restarted.reconcile();
    expect(report.failed).toContain(k);
    expect((await intentOf(k)).status).toBe('failed');
    expect(ordersAt(k)).toHaveLength(0);
    expect(await tradesOf(agentId)).toHaveLength(0);
    expect((await agentRow(agentId)).position).toBeNull();

    // The agent retries the order it never heard back about: it is placed now, once.
    const opened = await restarted.execute(agentId, buy(k));
    expect(opened).toMatchObject({ status: 'open', live: true });
    expect(ordersAt(k)).toHaveLength(1);
    expect((await intentOf(k)).status).toBe('done');
  });

  it('a hub that died after the fill, before the commit: reconcile records the trade once, as the exchange filled it', async () => {
    const agentId = await fx.agent(owner, { liveMode: true });
    const k = key();
    void hub({ tamper: dieAt('after') }).execute(agentId, buy(k));
    await waitUntil(() => ordersAt(k)[0]?.status === 'FILLED', 5_000, 'the fill at the exchange');
    expect(await tradesOf(agentId)).toHaveLength(0);

    const restarted = hub().later(60_000);
    expect((await restarted.reconcile()).recorded).toContain(k);
    const fill = exchangeFill(k);
    const [trade] = await tradesOf(agentId);
    expect(trade).toMatchObject({ status: 'open', live: true, idempotencyKey: k, exchangeOrderIds: [ordersAt(k)[0].orderId] });
    expect(trade.entryPrice).toBeCloseTo(fill.price, 8);
    expect(trade.qty).toBeCloseTo(fill.executed - fill.fee, 12);
    expect((await agentRow(agentId)).position).toMatchObject({
      tradeId: trade.id,
      qty: trade.qty,
      entryPrice: trade.entryPrice,
      leverage: 1,
    });
    expect(fx.seen('trade.opened').filter((e) => e.agentId === agentId)).toHaveLength(1);

    // Again, and the agent's retry of the same key: nothing new anywhere.
    expect((await restarted.reconcile()).recorded).not.toContain(k);
    expect(await restarted.execute(agentId, buy(k))).toMatchObject({ tradeId: trade.id, replayed: true });
    expect(await tradesOf(agentId)).toHaveLength(1);
    expect(ordersAt(k)).toHaveLength(1);
  });

  it('a hub that died after the sell, before the commit: reconcile closes the position in our books too', async () => {
    const agentId = await fx.agent(owner, { liveMode: true });
    const opened = await hub().execute(agentId, buy());
    const k = key();
    void hub({ tamper: dieAt('after') }).execute(agentId, { idempotencyKey: k, action: 'close', reason: 'TP hit' });
    await waitUntil(() => ordersAt(k)[0]?.status === 'FILLED', 5_000, 'the sell at the exchange');
    expect((await agentRow(agentId)).position).not.toBeNull();

    expect((await hub().later(60_000).reconcile()).recorded).toContain(k);
    const sell = exchangeFill(k);
    const [trade] = await tradesOf(agentId);
    expect(trade).toMatchObject({ id: opened.tradeId, status: 'closed', closeReason: 'tp', closeIdempotencyKey: k });
    expect(trade.exitPrice).toBeCloseTo(sell.price, 8);
    const agent = await agentRow(agentId);
    expect(agent.position).toBeNull();
    expect(agent.realizedPnl).toBeCloseTo(trade.pnl!, 10);
  });

  it('a commit that fails after the fill leaves the intent open; the retry of the key records the fill without a second order', async () => {
    const agentId = await fx.agent(owner, { liveMode: true });
    const broker = hub();
    const k = key();
    const restore = await failInserts(fx, 'chain_outbox');
    try {
      await expect(broker.execute(agentId, buy(k))).rejects.toThrow(/forced failure/);
    } finally {
      await restore();
    }
    expect(ordersAt(k)).toHaveLength(1);
    expect((await intentOf(k)).status).toBe('pending');
    expect(await tradesOf(agentId)).toHaveLength(0);

    const opened = await broker.execute(agentId, buy(k));
    expect(opened).toMatchObject({ status: 'open', live: true });
    expect(ordersAt(k)).toHaveLength(1);
    expect(await tradesOf(agentId)).toHaveLength(1);
    expect((await intentOf(k)).status).toBe('done');
  });

  it('an order the exchange did not confirm stays open: its retry waits until no request can arrive, then places it once', async () => {
    const agentId = await fx.agent(owner, { liveMode: true });
    const broker = hub();
    const k = key();
    hk.failNext({ path: '/api/v1.1/spot/order', method: 'POST', code: '-1001', msg: 'Internal error', httpStatus: 500 });
    await expect(broker.execute(agentId, buy(k))).rejects.toMatchObject({ code: 'live_order_pending' });
    expect((await intentOf(k)).status).toBe('pending');
    await expect(broker.execute(agentId, buy())).rejects.toMatchObject({ code: 'order_in_flight' });
    // The agent retries at once: not at the exchange, but a request could still arrive there.
    await expect(broker.execute(agentId, buy(k))).rejects.toMatchObject({ code: 'live_order_pending' });
    expect(ordersAt(k)).toHaveLength(0);

    broker.later(60_000);
    const opened = await broker.execute(agentId, buy(k));
    expect(opened).toMatchObject({ status: 'open', live: true });
    expect(ordersAt(k)).toHaveLength(1);
    expect(await tradesOf(agentId)).toHaveLength(1);
    expect((await intentOf(k)).status).toBe('done');
  });

  it('a periodic pass leaves an order this hub still has out alone, however old', async () => {
    const agentId = await fx.agent(owner, { liveMode: true });
    const broker = hub().later(60_000);
    const k = key();
    // Held before the order reaches the exchange (the reference price the order checks).
    const held = hk.hold({ path: '/quote/v1/ticker/price' });
    const opening = broker.execute(agentId, buy(k));
    await held.reached;
    const report = await broker.reconcile();
    expect(report.failed).not.toContain(k);
    expect((await intentOf(k)).status).toBe('pending');
    held.release();
    expect(await opening).toMatchObject({ status: 'open' });
    expect(ordersAt(k)).toHaveLength(1);
    expect((await intentOf(k)).status).toBe('done');
  });
});
