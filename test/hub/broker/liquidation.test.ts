import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSchema, TradeSchema } from '../../../src/db/entities/index.js';
import { createBroker, type Broker } from '../../../src/hub/broker/broker.js';
import { InvalidOrderError, NoOpenPositionError } from '../../../src/hub/broker/errors.js';
import { createLiquidator, type Liquidator } from '../../../src/hub/broker/liquidator.js';
import { createOpenPositionBook, loadOpenPositions, type OpenPositionBook } from '../../../src/hub/broker/open-positions.js';
import { createLogger } from '../../../src/logger.js';
import type { OrderResult } from '../../../src/shared/wire.js';
import { brokerFixture, settablePrices, type BrokerFixture } from './fixtures.js';

let fx: BrokerFixture;
let broker: Broker;
let book: OpenPositionBook;
let liquidator: Liquidator;
let owner: string;
const prices = settablePrices({ BTCUSDT: 100, ETHUSDT: 200 });
const logger = createLogger({ level: 'silent' });
const key = () => crypto.randomUUID();

beforeAll(async () => {
  fx = await brokerFixture('liquidation');
  owner = await fx.user();
  book = createOpenPositionBook();
  // 10 bps fee, 10 bps slippage: the numbers of paper.test.ts
  broker = createBroker({
    orm: fx.orm,
    events: fx.events,
    prices,
    feeBps: 10,
    slippageBps: 10,
    directory: fx.directory,
    openPositions: book,
    logger,
  });
  liquidator = createLiquidator({ book, liquidate: (a, t) => broker.liquidate(a, t), logger });
});

afterAll(async () => {
  await fx?.close();
});

async function openLong(input: { symbol?: string; leverage?: number } = {}): Promise<{ agentId: string; opened: OrderResult }> {
  const symbol = input.symbol ?? 'BTCUSDT';
  const agentId = await fx.agent(owner, { symbol, amountUsdt: 100, leverage: input.leverage ?? 5 });
  prices.set(symbol, symbol === 'BTCUSDT' ? 100 : 200);
  const opened = await broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', amountUsdt: 100, reason: 'signal' });
  return { agentId, opened };
}

async function tradeRow(id: string) {
  return fx.orm.em.fork().findOneOrFail(TradeSchema, { id });
}

async function closeRecords(agentId: string) {
  return fx.sql<{ payload: { side: string; exitPrice: number; detail: string } }>(
    `select payload from chain_outbox where payload->>'agentId' = ? and payload->>'side' like 'CLOSE_%' order by id`,
    [agentId],
  );
}

describe('paper liquidation: the loss is capped', () => {
  it('a close after the mark fell past the liquidation price fills at the liquidation price, loss ≤ margin + fees', async () => {
    const { agentId, opened } = await openLong();
    const liq = opened.position!.liquidationPrice!;
    expect(liq).toBeCloseTo(80.5805, 9);
    prices.set('BTCUSDT', 60); // a gap far past liquidation
    const closed = await broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'SL hit: price 60 ≤ SL 95' });

    expect(closed.price).toBeCloseTo(liq, 9);
    expect(closed.closeReason).toBe('liquidation');
    expect(closed.pnl!).toBeGreaterThanOrEqual(-(100 + closed.fees));
    // 500/100.1 BTC lose 100.1 − 80.5805 each, less 0.5 + 0.4025 fees
    expect(closed.pnl!).toBeCloseTo(-(500 / 100.1) * (100.1 - liq) - 0.5 - (500 / 100.1) * liq * 0.001, 9);
    const trade = await tradeRow(opened.tradeId);
    expect(trade).toMatchObject({ closeReason: 'liquidation', status: 'closed' });
    expect(trade.exitPrice).toBeCloseTo(liq, 9);
    expect(fx.seen('trade.closed').find((e) => e.tradeId === opened.tradeId)).toMatchObject({ reason: 'liquidation', price: liq });
    expect(book.has(opened.tradeId)).toBe(false);
  });

  it('a short whose mark gaps above the liquidation price is capped the same way', async () => {
    const agentId = await fx.agent(owner, { symbol: 'ETHUSDT', amountUsdt: 50, leverage: 10 });
    prices.set('ETHUSDT', 200);
    const opened = await broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'short', amountUsdt: 50, reason: 'rsi' });
    const liq = opened.position!.liquidationPrice!;
    expect(liq).toBeGreaterThan(200);
    prices.set('ETHUSDT', 260);
    const closed = await broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'drawdown stop' });
    expect(closed.price).toBeCloseTo(liq, 9);
    expect(closed.pnl!).toBeGreaterThanOrEqual(-(50 + closed.fees));
    expect(closed.closeReason).toBe('liquidation');
  });

  it('an agent that saw a bar cross the liquidation price is filled at that price, without a price lookup', async () => {
    const { agentId, opened } = await openLong();
    prices.fail = new Error('provider down');
    try {
      const closed = await broker.execute(agentId, {
        idempotencyKey: key(),
        action: 'close',
        reason: 'liquidation: bar low 80 ≤ liquidation 80.58',
        tradeId: opened.tradeId,
      });
      expect(closed).toMatchObject({ status: 'closed', closeReason: 'liquidation', replayed: false });
      expect(closed.price).toBeCloseTo(opened.position!.liquidationPrice!, 9);
    } finally {
      prices.fail = undefined;
    }
    // The agent row keeps the last market price it had: none was seen.
    expect((await fx.orm.em.fork().findOneOrFail(AgentSchema, { id: agentId })).lastPrice).toBe(100);
  });

  it('a close short of the liquidation price is an ordinary close, whatever words mention liquidation', async () => {
    const { agentId, opened } = await openLong();
    prices.set('BTCUSDT', 81);
    const closed = await broker.execute(agentId, {
      idempotencyKey: key(),
      action: 'close',
      reason: 'liquidation risk: closing early',
      tradeId: opened.tradeId,
    });
    expect(closed.closeReason).toBe('liquidation risk: closing early');
    expect(closed.price).toBeCloseTo(81 * 0.999, 9);
  });
});

describe('the hub liquidates on the prices it sees', () => {
  it('a price past the liquidation price closes the position: trade, agent row, chain record, event, book', async () => {
    const { agentId, opened } = await openLong();
    const liq = opened.position!.liquidationPrice!;
    expect(book.has(opened.tradeId)).toBe(true);
    liquidator.price('BTCUSDT', 80.6, Date.now()); // not crossed
    await liquidator.idle();
    expect((await tradeRow(opened.tradeId)).status).toBe('open');

    liquidator.price('BTCUSDT', 70, Date.now());
    await liquidator.idle();
    const trade = await tradeRow(opened.tradeId);
    expect(trade).toMatchObject({ status: 'closed', closeReason: 'liquidation', closeIdempotencyKey: `hub:liquidation:${opened.tradeId}` });
    expect(trade.exitPrice).toBeCloseTo(liq, 9);
    expect(trade.pnl!).toBeGreaterThanOrEqual(-(trade.margin + trade.fees));
    const agent = await fx.orm.em.fork().findOneOrFail(AgentSchema, { id: agentId });
    expect(agent.position).toBeNull();
    expect(agent.realizedPnl).toBeCloseTo(trade.pnl!, 9);
    const records = await closeRecords(agentId);
    expect(records).toHaveLength(1);
    expect(records[0]!.payload.exitPrice).toBeCloseTo(liq, 9);
    expect(JSON.parse(records[0]!.payload.detail)).toMatchObject({ closeReason: 'liquidation', tradeId: opened.tradeId });
    expect(fx.seen('trade.closed').filter((e) => e.tradeId === opened.tradeId)).toEqual([
      expect.objectContaining({ agentId, ownerId: owner, reason: 'liquidation', live: false }),
    ]);
    expect(book.has(opened.tradeId)).toBe(false);

    // Seen again: nothing more happens.
    liquidator.price('BTCUSDT', 60, Date.now());
    await liquidator.idle();
    expect(await fx.count('trades', "agent_id = ? and status = 'closed'", [agentId])).toBe(1);
  });

  it('only prices seen after the open count: an older price, or a bar that opened before the position, does not liquidate', async () => {
    const { opened } = await openLong();
    const openedAt = Date.parse(opened.position!.openedAt);
    liquidator.price('BTCUSDT', 50, openedAt - 1);
    liquidator.bars('BTCUSDT', [{ openTime: openedAt - 30_000, open: 100, high: 101, low: 50, close: 100, volume: 1 }]);
    await liquidator.idle();
    expect((await tradeRow(opened.tradeId)).status).toBe('open');

    liquidator.bars('BTCUSDT', [
      { openTime: openedAt - 30_000, open: 100, high: 101, low: 99, close: 100, volume: 1 },
      { openTime: openedAt + 30_000, open: 100, high: 100, low: 80, close: 99, volume: 1 },
    ]);
    await liquidator.idle();
    expect((await tradeRow(opened.tradeId)).closeReason).toBe('liquidation');
  });

  it('a close naming a trade the hub liquidated is answered with that close; without the trade id it is no_position', async () => {
    const { agentId, opened } = await openLong();
    liquidator.price('BTCUSDT', 1, Date.now());
    await liquidator.idle();
    const answer = await broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'TP hit', tradeId: opened.tradeId });
    expect(answer).toMatchObject({ tradeId: opened.tradeId, status: 'closed', replayed: true, closeReason: 'liquidation', position: null });
    expect(answer.price).toBeCloseTo(opened.position!.liquidationPrice!, 9);
    expect(answer.realizedPnl).toBeCloseTo(answer.pnl!, 9);
    await expect(broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'TP hit' })).rejects.toBeInstanceOf(
      NoOpenPositionError,
    );
    expect(await fx.count('trades', "agent_id = ? and status = 'closed'", [agentId])).toBe(1);
  });

  it('the agent closing while the hub liquidates makes exactly one closing trade', async () => {
    const positions = [];
    for (let i = 0; i < 6; i++) positions.push(await openLong());
    prices.set('BTCUSDT', 70); // past every liquidation price: whoever wins, it is a liquidation
    const runs = await Promise.all(
      positions.map(async ({ agentId, opened }, i) => {
        const agentClose = broker.execute(agentId, {
          idempotencyKey: key(),
          action: 'close',
          reason: 'SL hit',
          ...(i % 2 ? { tradeId: opened.tradeId } : {}),
        });
        const hubClose = broker.liquidate(agentId, opened.tradeId);
        const [fromAgent, fromHub] = await Promise.allSettled([agentClose, hubClose]);
        return { agentId, opened, fromAgent, fromHub, withTradeId: i % 2 === 1 };
      }),
    );
    for (const { agentId, opened, fromAgent, fromHub, withTradeId } of runs) {
      expect(await fx.count('trades', "agent_id = ? and status = 'closed'", [agentId])).toBe(1);
      expect(await closeRecords(agentId)).toHaveLength(1);
      expect(fx.seen('trade.closed').filter((e) => e.tradeId === opened.tradeId)).toHaveLength(1);
      const trade = await tradeRow(opened.tradeId);
      expect(trade.closeReason).toBe('liquidation');
      expect(fromHub.status).toBe('fulfilled');
      const results = [fromAgent, fromHub].flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      for (const r of results) expect(r.pnl).toBeCloseTo(trade.pnl!, 9);
      // Without the trade id a losing agent close is told no_position; with it, it learns the liquidation.
      if (fromAgent.status === 'rejected') {
        expect(withTradeId).toBe(false);
        expect(fromAgent.reason).toBeInstanceOf(NoOpenPositionError);
      }
      const agent = await fx.orm.em.fork().findOneOrFail(AgentSchema, { id: agentId });
      expect(agent.realizedPnl).toBeCloseTo(trade.pnl!, 9);
    }
  });

  it("agents may not use the hub's idempotency keys, and a trade id must be a trade id", async () => {
    const { agentId, opened } = await openLong();
    await expect(
      broker.execute(agentId, { idempotencyKey: `hub:liquidation:${opened.tradeId}`, action: 'close', reason: 'x' }),
    ).rejects.toThrow(/reserved for the hub/);
    await expect(broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'x', tradeId: 'nope' })).rejects.toBeInstanceOf(
      InvalidOrderError,
    );
    await expect(
      broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'x', tradeId: crypto.randomUUID() }),
    ).rejects.toThrow(/is not this agent's open trade/);
  });

  it("the book is rebuilt from the agents' rows; live (spot) positions are never in it", async () => {
    const { agentId, opened } = await openLong({ symbol: 'ETHUSDT' });
    const live = await fx.agent(owner, { symbol: 'ETHUSDT' });
    await fx.sql(`update agents set position = ?::jsonb where id = ?`, [
      JSON.stringify({
        tradeId: crypto.randomUUID(),
        side: 'long',
        qty: 1,
        entryPrice: 200,
        leverage: 1,
        margin: 200,
        liquidationPrice: null,
        tpPrice: null,
        slPrice: null,
        openedAt: new Date().toISOString(),
      }),
      live,
    ]);
    const rebuilt = createOpenPositionBook();
    const loaded = await loadOpenPositions(fx.orm, rebuilt);
    expect(rebuilt.size).toBe(loaded);
    expect(rebuilt.has(opened.tradeId)).toBe(true);
    const openRows = await fx.sql<{ n: number }>(`select count(*)::int as n from trades where status = 'open' and not live`);
    expect(loaded).toBe(Number(openRows[0]!.n));
    expect(rebuilt.crossedByPrice('ETHUSDT', 1, Date.now()).map((p) => p.agentId)).toEqual([agentId]);
    rebuilt.untrackAgent(agentId);
    expect(rebuilt.has(opened.tradeId)).toBe(false);
  });

  it("a deleted agent's position leaves the book on the next crossing price", async () => {
    const { agentId, opened } = await openLong();
    // The hub refuses to delete an agent holding a position; a row removed by hand still leaves the book.
    await fx.sql('delete from agents where id = ?', [agentId]);
    liquidator.price('BTCUSDT', 1, Date.now());
    await liquidator.idle();
    expect(book.has(opened.tradeId)).toBe(false);
  });
});
