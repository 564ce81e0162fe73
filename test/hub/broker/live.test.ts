import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSchema, TradeSchema } from '../../../src/db/entities/index.js';
import { createBroker, type Broker } from '../../../src/hub/broker/broker.js';
import { LiveOrderError, LiveShortUnsupportedError } from '../../../src/hub/broker/errors.js';
import { createHashKeyExchangeFactory } from '../../../src/hub/broker/hashkey-keys.js';
import { splitSymbol } from '../../../src/hub/broker/live.js';
import { ownerCloseOrder } from '../../../src/hub/broker/order-rules.js';
import type { SecretResolver } from '../../../src/hub/secrets/secret-resolver.js';
import { createLogger } from '../../../src/logger.js';
import { startHashKeyServer, type HashKeyServer } from '../../support/hashkey-server.js';
import { brokerFixture, settablePrices, type BrokerFixture } from './fixtures.js';

let fx: BrokerFixture;
let hk: HashKeyServer;
let broker: Broker;
let owner: string;
let keyless: string;
const prices = settablePrices({ BTCUSDT: 60_000, ETHUSDT: 3000 });
const logger = createLogger({ level: 'silent' });
const key = () => crypto.randomUUID();

beforeAll(async () => {
  fx = await brokerFixture('live');
  hk = await startHashKeyServer();
  owner = await fx.user();
  keyless = await fx.user();
  // The vault stand-in: the owner has keys, the other user none.
  const secrets: Pick<SecretResolver, 'resolve'> = {
    async resolve(ownerId, name) {
      if (ownerId !== owner) return undefined;
      return name === 'HASHKEY_API_KEY' ? hk.apiKey : name === 'HASHKEY_SECRET' ? hk.secret : undefined;
    },
  };
  const exchangeFor = createHashKeyExchangeFactory({ secrets, baseUrl: hk.url, exchange: { fillPollIntervalMs: 5 } });
  broker = createBroker({ orm: fx.orm, events: fx.events, prices, feeBps: 10, slippageBps: 10, exchangeFor, logger });
});

afterAll(async () => {
  await hk?.close();
  await fx?.close();
});

/** The fill as the exchange recorded it: average price, executed qty, fee by asset. */
function exchangeFill(clientOrderId: string) {
  const order = hk.orders.find((o) => o.clientOrderId === clientOrderId)!;
  const execs = hk.trades.filter((t) => t.orderId === order.orderId);
  const executed = Number(order.executedQty);
  return {
    order,
    price: Number(order.cumulativeQuoteQty) / executed,
    executed,
    fee: execs.reduce((s, t) => s + Number(t.commission), 0),
    feeAsset: execs[0].commissionAsset,
  };
}

describe('live execution on HashKey Global (local stand-in)', () => {
  it('opens and closes a live long with the exchange fills, client order id = idempotency key', async () => {
    const agentId = await fx.agent(owner, { liveMode: true, amountUsdt: 100, leverage: 5 });
    const k = key();
    const opened = await broker.execute(agentId, {
      idempotencyKey: k,
      action: 'open',
      side: 'long',
      amountUsdt: 100,
      tpPrice: 66_000,
      reason: 'breakout',
    });

    const buy = exchangeFill(k);
    expect(buy.order).toMatchObject({ side: 'BUY', type: 'MARKET', symbol: 'BTCUSDT', status: 'FILLED' });
    // 100 USDT / 60 000 = 0.0016666… → rounded down to the 0.00001 step
    expect(buy.order.origQty).toBe('0.00166');
    expect(buy.feeAsset).toBe('BTC');
    expect(opened).toMatchObject({ status: 'open', live: true, replayed: false, side: 'long' });
    expect(opened.price).toBeCloseTo(buy.price, 8);
    // held = executed − the BTC fee; the fee is stored in USDT at the fill price
    expect(opened.qty).toBeCloseTo(buy.executed - buy.fee, 12);
    expect(opened.fees).toBeCloseTo(buy.fee * buy.price, 10);
    expect(opened.position).toMatchObject({ leverage: 1, liquidationPrice: null, tpPrice: 66_000 });
    expect(opened.position!.margin).toBeCloseTo(buy.executed * buy.price, 8);

    const trade = await fx.orm.em.fork().findOneOrFail(TradeSchema, { id: opened.tradeId });
    expect(trade).toMatchObject({ live: true, leverage: 1, exchangeOrderIds: [buy.order.orderId], idempotencyKey: k });
    expect(trade.entryPrice).toBeCloseTo(buy.price, 8);

    // the retry with the same key places nothing new
    const ordersBefore = hk.orders.length;
    const again = await broker.execute(agentId, { idempotencyKey: k, action: 'open', side: 'long', amountUsdt: 100, reason: 'breakout' });
    expect(again.replayed).toBe(true);
    expect(hk.orders.length).toBe(ordersBefore);

    hk.setPrice('BTCUSDT', 63_000);
    prices.set('BTCUSDT', 63_000);
    const ck = key();
    const closed = await broker.execute(agentId, { idempotencyKey: ck, action: 'close', reason: 'TP hit' });
    const sell = exchangeFill(ck);
    expect(sell.order).toMatchObject({ side: 'SELL', type: 'MARKET', status: 'FILLED' });
    // sells what the account holds (0.00166 − fee), rounded down to the step
    expect(sell.order.origQty).toBe('0.00165');
    expect(sell.feeAsset).toBe('USDT');
    const expectedPnl = (sell.price - buy.price) * sell.executed - buy.fee * buy.price - sell.fee;
    expect(closed).toMatchObject({ status: 'closed', live: true, position: null });
    expect(closed.price).toBeCloseTo(sell.price, 8);
    expect(closed.fees).toBeCloseTo(buy.fee * buy.price + sell.fee, 8);
    expect(closed.pnl).toBeCloseTo(expectedPnl, 8);

    const after = await fx.orm.em.fork().findOneOrFail(TradeSchema, { id: opened.tradeId });
    expect(after.exchangeOrderIds).toEqual([buy.order.orderId, sell.order.orderId]);
    expect(after.closeReason).toBe('tp');
    expect(fx.seen('trade.closed').find((e) => e.tradeId === opened.tradeId)).toMatchObject({ live: true, reason: 'tp' });
    hk.setPrice('BTCUSDT', 60_000);
    prices.set('BTCUSDT', 60_000);
  });

  it('live (spot) is never liquidated: the hub\'s liquidation is refused without an order, an agent\'s "liquidation" is a market close', async () => {
    const agentId = await fx.agent(owner, { liveMode: true, amountUsdt: 100, leverage: 5 });
    const opened = await broker.execute(agentId, {
      idempotencyKey: key(),
      action: 'open',
      side: 'long',
      amountUsdt: 100,
      reason: 'signal',
    });
    const ordersBefore = hk.orders.length;
    await expect(broker.liquidate(agentId, opened.tradeId)).rejects.toThrow(/is live \(spot\): the hub never liquidates it/);
    expect(hk.orders.length).toBe(ordersBefore);
    expect((await fx.orm.em.fork().findOneOrFail(TradeSchema, { id: opened.tradeId })).status).toBe('open');

    const closed = await broker.execute(agentId, {
      idempotencyKey: key(),
      action: 'close',
      reason: 'liquidation: price 1 ≤ liquidation 2',
      tradeId: opened.tradeId,
    });
    expect(hk.orders.length).toBe(ordersBefore + 1);
    expect(closed).toMatchObject({ status: 'closed', live: true, closeReason: 'market close' });
    expect(fx.seen('trade.closed').find((e) => e.tradeId === opened.tradeId)).toMatchObject({ reason: 'market close', live: true });
  });

  it("the owner's close of a live position (Close now) sells on the exchange once, asked twice", async () => {
    const agentId = await fx.agent(owner, { liveMode: true, amountUsdt: 100, leverage: 5 });
    const opened = await broker.execute(agentId, {
      idempotencyKey: key(),
      action: 'open',
      side: 'long',
      amountUsdt: 100,
      reason: 'signal',
    });
    const ordersBefore = hk.orders.length;
    const closed = await broker.closeForOwner(agentId, opened.tradeId);
    expect(closed).toMatchObject({
      tradeId: opened.tradeId,
      status: 'closed',
      live: true,
      replayed: false,
      closeReason: 'closed by owner',
    });
    const sellKey = ownerCloseOrder(opened.tradeId).idempotencyKey;
    // It goes to the exchange as the client order id: at most 36 characters of [A-Za-z0-9:], the
    // strictest form spot exchanges accept (an agent's UUID key is 36 as well).
    expect(sellKey).toMatch(/^hub:[A-Za-z0-9:]{1,32}$/);
    const sell = exchangeFill(sellKey);
    expect(sell.order).toMatchObject({ side: 'SELL', type: 'MARKET', status: 'FILLED' });
    expect(closed.price).toBeCloseTo(sell.price, 8);
    expect(await broker.closeForOwner(agentId, opened.tradeId)).toMatchObject({ tradeId: opened.tradeId, replayed: true });
    expect(hk.orders.length).toBe(ordersBefore + 1);
    await expect(broker.execute(agentId, { idempotencyKey: sellKey, action: 'close', reason: 'x' })).rejects.toThrow(
      /reserved for the hub/,
    );
  });

  it('an exchange error is an order.error and a LiveOrderError, never a paper fill; nothing stored', async () => {
    const agentId = await fx.agent(owner, { liveMode: true });
    hk.failNext({ path: '/api/v1.1/spot/order', method: 'POST', code: '0401', msg: 'Insufficient asset' });
    const err = await broker
      .execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', reason: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveOrderError);
    expect((err as LiveOrderError).kind).toBe('insufficient_balance');
    expect((err as LiveOrderError).httpStatus).toBe(422); // not worth retrying: the agent stops asking
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(0);
    expect(await fx.count('chain_outbox', "payload->>'agentId' = ?", [agentId])).toBe(0);
    expect((await fx.orm.em.fork().findOneOrFail(AgentSchema, { id: agentId })).position).toBeNull();
    const alerts = fx.seen('order.error').filter((e) => e.agentId === agentId);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ ownerId: owner, live: true });
    expect(alerts[0].message).toMatch(/0401/);
    expect(fx.seen('trade.opened').filter((e) => e.agentId === agentId)).toHaveLength(0);
  });

  it('refuses a live short (spot only) without touching the exchange', async () => {
    const agentId = await fx.agent(owner, { liveMode: true });
    const before = hk.requests.length;
    const err = await broker
      .execute(agentId, { idempotencyKey: key(), action: 'open', side: 'short', reason: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveShortUnsupportedError);
    expect((err as LiveShortUnsupportedError).userMessage).toMatch(/spot only/);
    expect(hk.requests.length).toBe(before);
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(0);
  });

  it('a live agent whose owner has no keys gets a LiveOrderError and an alert, not a paper fill', async () => {
    const agentId = await fx.agent(keyless, { liveMode: true });
    const err = await broker
      .execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', reason: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveOrderError);
    expect((err as LiveOrderError).kind).toBe('auth');
    expect(fx.seen('order.error').filter((e) => e.agentId === agentId)).toHaveLength(1);
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(0);
  });

  it('closes a paper position on paper even after live mode was switched on', async () => {
    const agentId = await fx.agent(owner, { liveMode: false });
    const opened = await broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'short', reason: 'x' });
    await fx.directory.edit(owner, agentId, { liveMode: true });
    const before = hk.orders.length;
    const closed = await broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'x' });
    expect(closed).toMatchObject({ tradeId: opened.tradeId, live: false, status: 'closed' });
    expect(hk.orders.length).toBe(before);
  });

  it('opens on the venue and leverage the session started with, whatever the settings were edited to since', async () => {
    // What the lifecycle records when it sends /start.
    const startSession = (agentId: string) =>
      fx.sql('update agents set session_leverage = leverage, session_live_mode = live_mode where id = ?', [agentId]);
    const paper = await fx.agent(owner, { liveMode: false, leverage: 2 });
    await startSession(paper);
    await fx.directory.edit(owner, paper, { liveMode: true, leverage: 10 });
    const before = hk.requests.length;
    const opened = await broker.execute(paper, { idempotencyKey: key(), action: 'open', side: 'long', reason: 'x' });
    expect(opened).toMatchObject({ live: false, position: { leverage: 2 } });
    expect(hk.requests.length).toBe(before);

    const live = await fx.agent(owner, { liveMode: true });
    await startSession(live);
    await fx.directory.edit(owner, live, { liveMode: false });
    const k = key();
    expect(await broker.execute(live, { idempotencyKey: k, action: 'open', side: 'long', amountUsdt: 50, reason: 'x' })).toMatchObject({
      live: true,
    });
    expect(hk.orders.some((o) => o.clientOrderId === k)).toBe(true);
    await broker.execute(live, { idempotencyKey: key(), action: 'close', reason: 'x' });
  });

  it('splits symbols into base and quote', () => {
    expect(splitSymbol('BTCUSDT')).toEqual({ base: 'BTC', quote: 'USDT' });
    expect(splitSymbol('ETHUSDC')).toEqual({ base: 'ETH', quote: 'USDC' });
    expect(splitSymbol('SOLBTC')).toEqual({ base: 'SOL', quote: 'BTC' });
  });
});
