import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSchema, TradeSchema } from '../../../src/db/entities/index.js';
import { createBroker, type Broker } from '../../../src/hub/broker/broker.js';
import {
  IdempotencyKeyConflictError,
  InvalidOrderError,
  NoOpenPositionError,
  PositionAlreadyOpenError,
  PriceUnavailableError,
} from '../../../src/hub/broker/errors.js';
import { tradeDetailJson } from '../../../src/hub/broker/trade-detail.js';
import { hashText } from '../../../src/hub/chain/encoding.js';
import { createLogger } from '../../../src/logger.js';
import { brokerFixture, failInserts, settablePrices, type BrokerFixture } from './fixtures.js';

let fx: BrokerFixture;
let broker: Broker;
let owner: string;
const prices = settablePrices({ BTCUSDT: 100, ETHUSDT: 200 });
const logger = createLogger({ level: 'silent' });
const key = () => crypto.randomUUID();

beforeAll(async () => {
  fx = await brokerFixture('broker');
  owner = await fx.user();
  // 10 bps fee, 10 bps slippage: the numbers of paper.test.ts
  broker = createBroker({ orm: fx.orm, events: fx.events, prices, feeBps: 10, slippageBps: 10, directory: fx.directory, logger });
});

afterAll(async () => {
  await fx?.close();
});

async function agentRow(id: string) {
  return fx.orm.em.fork().findOneOrFail(AgentSchema, { id });
}

async function outboxFor(agentId: string) {
  return fx.sql<{ id: number; kind: string; payload: Record<string, unknown> }>(
    `select id, kind, payload from chain_outbox where payload->>'agentId' = ? order by id`,
    [agentId],
  );
}

describe('paper broker', () => {
  it('opens a long: slipped fill, leverage, fee, liquidation; trade, agent row, outbox and event', async () => {
    const agentId = await fx.agent(owner, { amountUsdt: 100, leverage: 5 });
    prices.set('BTCUSDT', 100);
    const k = key();
    const result = await broker.execute(agentId, {
      idempotencyKey: k,
      action: 'open',
      side: 'long',
      amountUsdt: 100,
      tpPrice: 120,
      slPrice: 95,
      reason: 'momentum 0.6',
    });

    expect(result.status).toBe('open');
    expect(result.replayed).toBe(false);
    expect(result.live).toBe(false);
    expect(result.price).toBeCloseTo(100.1, 10);
    expect(result.qty).toBeCloseTo(500 / 100.1, 12);
    expect(result.fees).toBeCloseTo(0.5, 10);
    expect(result.pnl).toBeNull();
    expect(result.position).toMatchObject({ tradeId: result.tradeId, side: 'long', leverage: 5, margin: 100, tpPrice: 120, slPrice: 95 });
    expect(result.position!.liquidationPrice).toBeCloseTo(80.5805, 9);

    const trade = await fx.orm.em.fork().findOneOrFail(TradeSchema, { id: result.tradeId });
    expect(trade).toMatchObject({
      side: 'long',
      status: 'open',
      leverage: 5,
      margin: 100,
      live: false,
      idempotencyKey: k,
      closeIdempotencyKey: null,
    });
    expect(trade.entryPrice).toBeCloseTo(100.1, 10);
    expect(trade.fees).toBeCloseTo(0.5, 10);

    const agent = await agentRow(agentId);
    expect(agent.position).toEqual(result.position);
    expect(agent.lastPrice).toBe(100);
    expect(agent.realizedPnl).toBe(0);

    const outbox = await outboxFor(agentId);
    expect(outbox).toHaveLength(1);
    const record = outbox[0].payload;
    expect(outbox[0].kind).toBe('trade');
    expect(record).toMatchObject({ agentId, symbol: 'BTCUSDT', side: 'OPEN_LONG', exitPrice: null, pnlPct: 0 });
    expect(record.entryPrice).toBeCloseTo(100.1, 10);
    // The detail JSON is stored and rebuilt from the row alone; the hash links the two.
    const rebuilt = tradeDetailJson(agentId, 'BTCUSDT', trade, 'open');
    expect(record.detail).toBe(rebuilt);
    expect(record.detailHash).toBe(hashText(rebuilt));

    const opened = fx.seen('trade.opened').filter((e) => e.tradeId === result.tradeId);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({
      agentId,
      ownerId: owner,
      symbol: 'BTCUSDT',
      side: 'long',
      reason: 'momentum 0.6',
      live: false,
      pnl: null,
    });
  });

  it('closes the long: realised PnL net of both fees, TP reason, agent flat, close record', async () => {
    const agentId = await fx.agent(owner, { amountUsdt: 100, leverage: 5 });
    prices.set('BTCUSDT', 100);
    const opened = await broker.execute(agentId, {
      idempotencyKey: key(),
      action: 'open',
      side: 'long',
      amountUsdt: 100,
      reason: 'signal',
    });
    prices.set('BTCUSDT', 110);
    const ck = key();
    const closed = await broker.execute(agentId, { idempotencyKey: ck, action: 'close', reason: 'TP hit: price 110.00 ≥ TP 109.00' });

    expect(closed).toMatchObject({ tradeId: opened.tradeId, status: 'closed', side: 'long', position: null, replayed: false });
    expect(closed.price).toBeCloseTo(109.89, 10);
    // fees: 0.5 open + 0.5489011 close; pnl 47.8521978 (see paper.test.ts)
    expect(closed.fees).toBeCloseTo(1.0489010989, 9);
    expect(closed.pnl).toBeCloseTo(47.8521978022, 8);
    expect(closed.realizedPnl).toBeCloseTo(47.8521978022, 8);

    const trade = await fx.orm.em.fork().findOneOrFail(TradeSchema, { id: opened.tradeId });
    expect(trade).toMatchObject({ status: 'closed', closeReason: 'tp', closeIdempotencyKey: ck });
    expect(trade.exitPrice).toBeCloseTo(109.89, 10);
    expect(trade.pnl).toBeCloseTo(47.8521978022, 8);
    expect(trade.closedAt).toBeInstanceOf(Date);

    const agent = await agentRow(agentId);
    expect(agent.position).toBeNull();
    expect(agent.realizedPnl).toBeCloseTo(47.8521978022, 8);
    expect(agent.lastPrice).toBe(110);

    const outbox = await outboxFor(agentId);
    expect(outbox.map((r) => r.payload.side)).toEqual(['OPEN_LONG', 'CLOSE_LONG']);
    const record = outbox[1].payload;
    expect(record.exitPrice).toBeCloseTo(109.89, 10);
    // PnL as a percent of the 100 USDT margin
    expect(record.pnlPct).toBeCloseTo(47.8521978022, 8);
    expect(record.detailHash).toBe(hashText(tradeDetailJson(agentId, 'BTCUSDT', trade, 'close')));

    const event = fx.seen('trade.closed').find((e) => e.tradeId === opened.tradeId)!;
    expect(event).toMatchObject({ reason: 'tp', side: 'long' });
    expect(event.pnl).toBeCloseTo(47.8521978022, 8);
  });

  it('short round trip at 10x with the agent leverage; SL reason; realised PnL accumulates', async () => {
    const agentId = await fx.agent(owner, { symbol: 'ETHUSDT', amountUsdt: 50, leverage: 10 });
    const b = createBroker({ orm: fx.orm, events: fx.events, prices, feeBps: 6, slippageBps: 2, logger });
    prices.set('ETHUSDT', 200);
    const open = await b.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'short', amountUsdt: 50, reason: 'rsi' });
    expect(open.price).toBeCloseTo(199.96, 10);
    expect(open.qty).toBeCloseTo(2.50050010002, 10);
    expect(open.fees).toBeCloseTo(0.3, 10);
    expect(open.position!.liquidationPrice).toBeCloseTo(218.9562, 9);
    prices.set('ETHUSDT', 190);
    const closed = await b.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'SL hit (weird but fine)' });
    expect(closed.price).toBeCloseTo(190.038, 10);
    expect(closed.pnl).toBeCloseTo(24.2248479696, 8);
    expect(fx.seen('trade.closed').find((e) => e.tradeId === open.tradeId)!.reason).toBe('sl');

    // a second, losing trade: realised PnL is the running sum
    prices.set('ETHUSDT', 200);
    await b.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', reason: 'x' }); // amount defaults to the agent's 50
    prices.set('ETHUSDT', 190);
    const second = await b.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'stop: user' });
    // long 500 notional: buy 200.04, qty 500/200.04; sell 189.962; gross (189.962 − 200.04) × qty
    const qty = 500 / 200.04;
    const expected = (189.962 - 200.04) * qty - 0.3 - 189.962 * qty * 0.0006;
    expect(second.pnl).toBeCloseTo(expected, 9);
    expect(second.realizedPnl).toBeCloseTo(24.2248479696 + expected, 8);
    expect((await agentRow(agentId)).realizedPnl).toBeCloseTo(24.2248479696 + expected, 8);
  });

  it('enforces one open position per agent: open while open and close while flat are 409s', async () => {
    const agentId = await fx.agent(owner);
    await expect(broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'x' })).rejects.toBeInstanceOf(
      NoOpenPositionError,
    );
    const first = await broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', reason: 'x' });
    const err = await broker
      .execute(agentId, { idempotencyKey: key(), action: 'open', side: 'short', reason: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PositionAlreadyOpenError);
    expect((err as PositionAlreadyOpenError).httpStatus).toBe(409);
    expect((err as PositionAlreadyOpenError).code).toBe('position_open');
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(1);
    expect((await agentRow(agentId)).position!.tradeId).toBe(first.tradeId);
  });

  it('replays a retried open with the same key: one fill, one outbox row, one event', async () => {
    const agentId = await fx.agent(owner);
    const k = key();
    const order = { idempotencyKey: k, action: 'open' as const, side: 'long' as const, amountUsdt: 100, reason: 'x' };
    const first = await broker.execute(agentId, order);
    prices.set('BTCUSDT', 150); // a retry never re-prices
    const again = await broker.execute(agentId, order);
    prices.set('BTCUSDT', 100);
    expect(again).toEqual({ ...first, replayed: true });
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(1);
    expect(await outboxFor(agentId)).toHaveLength(1);
    expect(fx.seen('trade.opened').filter((e) => e.agentId === agentId)).toHaveLength(1);
  });

  it('fills concurrent duplicates of one open exactly once', async () => {
    const agentId = await fx.agent(owner);
    const k = key();
    const results = await Promise.all(
      Array.from({ length: 12 }, () => broker.execute(agentId, { idempotencyKey: k, action: 'open', side: 'long', reason: 'dup' })),
    );
    expect(new Set(results.map((r) => r.tradeId)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(1);
    expect(await outboxFor(agentId)).toHaveLength(1);
    expect(fx.seen('trade.opened').filter((e) => e.agentId === agentId)).toHaveLength(1);
  });

  it('lets exactly one of several concurrent opens with different keys through', async () => {
    const agentId = await fx.agent(owner);
    const settled = await Promise.allSettled(
      Array.from({ length: 8 }, () => broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', reason: 'race' })),
    );
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(rejected.every((r) => r.reason instanceof PositionAlreadyOpenError)).toBe(true);
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(1);
  });

  it('closes once under concurrent duplicate and competing closes', async () => {
    const agentId = await fx.agent(owner);
    await broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'short', reason: 'x' });
    const ck = key();
    const keys = [...Array.from({ length: 5 }, () => ck), ...Array.from({ length: 3 }, () => key())];
    const settled = await Promise.allSettled(
      keys.map((k) => broker.execute(agentId, { idempotencyKey: k, action: 'close', reason: k === ck ? 'dup' : 'other' })),
    );
    const fresh = settled.flatMap((s, i) => (s.status === 'fulfilled' && !s.value.replayed ? [keys[i]!] : []));
    expect(fresh).toHaveLength(1);
    for (const s of settled) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(NoOpenPositionError);
    expect(await fx.count('trades', "agent_id = ? and status = 'closed'", [agentId])).toBe(1);
    expect((await outboxFor(agentId)).map((r) => r.payload.side)).toEqual(['OPEN_SHORT', 'CLOSE_SHORT']);
    expect(fx.seen('trade.closed').filter((e) => e.agentId === agentId)).toHaveLength(1);
    // the winning close key later is still a replay, not a "no position" error
    const later = await broker.execute(agentId, { idempotencyKey: fresh[0]!, action: 'close', reason: 'again' });
    expect(later.replayed).toBe(true);
    expect(later.status).toBe('closed');
  });

  it('refuses a key that names another order or another agent', async () => {
    const a = await fx.agent(owner);
    const b = await fx.agent(owner);
    const k = key();
    await broker.execute(a, { idempotencyKey: k, action: 'open', side: 'long', reason: 'x' });
    await expect(broker.execute(b, { idempotencyKey: k, action: 'open', side: 'long', reason: 'x' })).rejects.toBeInstanceOf(
      IdempotencyKeyConflictError,
    );
    await expect(broker.execute(a, { idempotencyKey: k, action: 'close', reason: 'x' })).rejects.toBeInstanceOf(
      IdempotencyKeyConflictError,
    );
    await expect(broker.execute(a, { idempotencyKey: k, action: 'open', side: 'short', reason: 'x' })).rejects.toBeInstanceOf(
      IdempotencyKeyConflictError,
    );
    expect(await fx.count('trades', 'agent_id = ?', [b])).toBe(0);
  });

  it('resolves a race on one key between two agents through the unique index: one trade, one conflict', async () => {
    const a = await fx.agent(owner);
    const b = await fx.agent(owner);
    const k = key();
    // Different agents lock different rows, so both pass the replay check; the unique index decides.
    const settled = await Promise.allSettled(
      [a, b].map((id) => broker.execute(id, { idempotencyKey: k, action: 'open', side: 'long', reason: 'x' })),
    );
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')!;
    expect(rejected.reason).toBeInstanceOf(IdempotencyKeyConflictError);
    expect(await fx.count('trades', 'idempotency_key = ?', [k])).toBe(1);
    expect(await fx.count('chain_outbox', "payload->>'agentId' in (?, ?)", [a, b])).toBe(1);
  });

  it('validates the order and clamps the margin to the configured amount', async () => {
    const agentId = await fx.agent(owner, { amountUsdt: 100 });
    await expect(broker.execute(agentId, { idempotencyKey: key(), action: 'open', reason: 'x' })).rejects.toBeInstanceOf(InvalidOrderError);
    await expect(
      broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', amountUsdt: -1, reason: 'x' }),
    ).rejects.toBeInstanceOf(InvalidOrderError);
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(0);
    // more than the user configured is clamped to the configured 100 USDT (5x → 500 notional)
    const r = await broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', amountUsdt: 10_000, reason: 'x' });
    expect(r.position!.margin).toBe(100);
    expect(r.qty * r.price).toBeCloseTo(500, 9);
  });

  it('refuses to fill without a price and writes nothing', async () => {
    const agentId = await fx.agent(owner);
    prices.fail = new Error('provider down');
    try {
      await expect(broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', reason: 'x' })).rejects.toBeInstanceOf(
        PriceUnavailableError,
      );
    } finally {
      prices.fail = undefined;
    }
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(0);
    expect((await agentRow(agentId)).position).toBeNull();
  });

  it('writes trade, agent row and outbox entry atomically: a failure mid-transaction leaves none', async () => {
    const agentId = await fx.agent(owner);
    const k = key();
    const restore = await failInserts(fx, 'chain_outbox');
    try {
      await expect(broker.execute(agentId, { idempotencyKey: k, action: 'open', side: 'long', reason: 'x' })).rejects.toThrow(
        /forced failure/,
      );
    } finally {
      await restore();
    }
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(0);
    expect(await outboxFor(agentId)).toHaveLength(0);
    const agent = await agentRow(agentId);
    expect(agent.position).toBeNull();
    expect(agent.lastPrice).toBeNull();
    expect(fx.seen('trade.opened').filter((e) => e.agentId === agentId)).toHaveLength(0);

    // the same key then executes normally (nothing was half-recorded)
    const opened = await broker.execute(agentId, { idempotencyKey: k, action: 'open', side: 'long', reason: 'x' });
    expect(opened.replayed).toBe(false);

    // and a failed close leaves the position open and the trade untouched
    const restoreAgain = await failInserts(fx, 'chain_outbox');
    try {
      await expect(broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'x' })).rejects.toThrow(/forced failure/);
    } finally {
      await restoreAgain();
    }
    const trade = await fx.orm.em.fork().findOneOrFail(TradeSchema, { id: opened.tradeId });
    expect(trade.status).toBe('open');
    expect(trade.exitPrice).toBeNull();
    expect((await agentRow(agentId)).position?.tradeId).toBe(opened.tradeId);
    expect((await agentRow(agentId)).realizedPnl).toBe(0);
  });

  it('emits trade events after the commit: a listener already sees the rows', async () => {
    const agentId = await fx.agent(owner);
    const seenInDb: Array<Promise<number>> = [];
    const off = fx.events.on('trade.opened', (e) => {
      if (e.agentId === agentId) seenInDb.push(fx.count('trades', 'id = ?', [e.tradeId]));
    });
    const offClosed = fx.events.on('trade.closed', (e) => {
      if (e.agentId === agentId) seenInDb.push(fx.count('trades', "id = ? and status = 'closed'", [e.tradeId]));
    });
    try {
      await broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', reason: 'x' });
      await broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'x' });
    } finally {
      off();
      offClosed();
    }
    expect(await Promise.all(seenInDb)).toEqual([1, 1]);
  });

  it('a throwing event listener does not undo or fail a committed order', async () => {
    const agentId = await fx.agent(owner);
    const off = fx.events.on('trade.opened', () => {
      throw new Error('listener bug');
    });
    try {
      const r = await broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', reason: 'x' });
      expect(r.status).toBe('open');
    } finally {
      off();
    }
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(1);
  });
});
