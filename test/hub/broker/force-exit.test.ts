/**
 * The owner's force exit at the broker (`closeForOwner(…, 'force exit')`) against real
 * PostgreSQL: exactly one closing fill whatever races it (the agent's own close, its TP, the
 * owner's Close now, a liquidation, a second force exit), for paper and live trades; the hub
 * remembers the closes it made for its agents' status acks. And a paused agent's opens are
 * refused under the row lock while its closes go through.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPausedOwned } from '../../../src/hub/agents/agent-store.js';
import { createBroker, type Broker } from '../../../src/hub/broker/broker.js';
import { AgentPausedError } from '../../../src/hub/broker/errors.js';
import { createHashKeyExchangeFactory } from '../../../src/hub/broker/hashkey-keys.js';
import { createHubCloses, type HubCloses } from '../../../src/hub/broker/hub-closes.js';
import { FORCE_EXIT_REASON, ownerCloseOrder } from '../../../src/hub/broker/order-rules.js';
import { createLogger } from '../../../src/logger.js';
import type { OrderResult } from '../../../src/shared/wire.js';
import { startHashKeyServer, type HashKeyServer } from '../../support/hashkey-server.js';
import { brokerFixture, settablePrices, type BrokerFixture } from './fixtures.js';

let fx: BrokerFixture;
let hk: HashKeyServer;
let broker: Broker;
let hubCloses: HubCloses;
let owner: string;
const prices = settablePrices({ BTCUSDT: 100 });
const logger = createLogger({ level: 'silent' });
const key = () => crypto.randomUUID();

beforeAll(async () => {
  fx = await brokerFixture('forceexit');
  hk = await startHashKeyServer();
  owner = await fx.user();
  hubCloses = createHubCloses();
  const exchangeFor = createHashKeyExchangeFactory({
    secrets: {
      resolve: async (_owner, name) => (name === 'HASHKEY_API_KEY' ? hk.apiKey : name === 'HASHKEY_SECRET' ? hk.secret : undefined),
    },
    baseUrl: hk.url,
    exchange: { fillPollIntervalMs: 5 },
  });
  broker = createBroker({ orm: fx.orm, events: fx.events, prices, feeBps: 10, slippageBps: 10, exchangeFor, hubCloses, logger });
});

afterAll(async () => {
  await hk?.close();
  await fx?.close();
});

async function holdingLong(input: { liveMode?: boolean } = {}): Promise<{ agentId: string; tradeId: string }> {
  const agentId = await fx.agent(owner, { leverage: input.liveMode ? 1 : 5, ...input });
  const opened = await broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', amountUsdt: 100, reason: 'signal' });
  return { agentId, tradeId: opened.tradeId };
}

const closedTrades = (agentId: string) => fx.count('trades', "agent_id = ? and status = 'closed'", [agentId]);
const closeEvents = (tradeId: string) => fx.seen('trade.closed').filter((e) => e.tradeId === tradeId);
const forceExit = (agentId: string, tradeId: string) => broker.closeForOwner(agentId, tradeId, FORCE_EXIT_REASON);

/** Both answers describe the one close: same exit, same PnL; exactly one of them made it. */
function expectOneClose(results: OrderResult[], tradeId: string): OrderResult {
  const fresh = results.filter((r) => !r.replayed);
  expect(fresh).toHaveLength(1);
  for (const r of results) expect(r).toMatchObject({ tradeId, status: 'closed', price: fresh[0]!.price, pnl: fresh[0]!.pnl });
  return fresh[0]!;
}

describe('force exit at the broker', () => {
  it('closes a running paper agent at the market with reason "force exit"; the agent keeps running', async () => {
    const { agentId, tradeId } = await holdingLong();
    prices.set('BTCUSDT', 101);
    const closed = await forceExit(agentId, tradeId);
    expect(closed).toMatchObject({ tradeId, status: 'closed', replayed: false, closeReason: 'force exit', live: false, position: null });
    const [row] = await fx.sql<{ status: string; position: unknown; close_reason: string; close_idempotency_key: string }>(
      `select a.status, a.position, t.close_reason, t.close_idempotency_key from agents a join trades t on t.agent_id = a.id where t.id = ?`,
      [tradeId],
    );
    expect(row).toEqual({
      status: 'running',
      position: null,
      close_reason: 'force exit',
      close_idempotency_key: ownerCloseOrder(tradeId).idempotencyKey,
    });
    expect(closeEvents(tradeId)).toEqual([expect.objectContaining({ reason: 'force exit', ownerId: owner })]);
    expect(hubCloses.has(tradeId)).toBe(true);
    // Asked again: the stored close, nothing more.
    expect(await forceExit(agentId, tradeId)).toMatchObject({ tradeId, replayed: true, closeReason: 'force exit' });
    expect(await closedTrades(agentId)).toBe(1);
    // And the agent opens its next position as usual.
    await expect(
      broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'short', amountUsdt: 100, reason: 'signal' }),
    ).resolves.toMatchObject({ status: 'open' });
  });

  it.each([
    ['a signal close', 'signal reversed (momentum -0.6 ≤ -0.3)'],
    ['a take-profit', 'TP hit: price 101 ≥ TP 101'],
    ['a stop closing the position', 'stop: close position'],
  ])('racing the agent’s own close (%s), exactly one closing fill is made (20 rounds)', async (_what, reason) => {
    for (let round = 0; round < 20; round++) {
      const { agentId, tradeId } = await holdingLong();
      const own = () => broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason, tradeId });
      // Each asked first in turn.
      const results = await Promise.all(round % 2 ? [forceExit(agentId, tradeId), own()] : [own(), forceExit(agentId, tradeId)]);
      const winner = expectOneClose(results, tradeId);
      expect(await closedTrades(agentId)).toBe(1);
      expect(closeEvents(tradeId)).toHaveLength(1);
      expect(await fx.count('chain_outbox', `payload->>'agentId' = ? and payload->>'side' like 'CLOSE%'`, [agentId])).toBe(1);
      // The status ack names the trade only when the hub's close made it.
      expect(hubCloses.has(tradeId)).toBe(winner.closeReason === 'force exit');
    }
  });

  it("racing the owner's Close now, a liquidation and a second force exit, it fills once", async () => {
    for (let round = 0; round < 10; round++) {
      const { agentId, tradeId } = await holdingLong();
      const results = await Promise.all([
        forceExit(agentId, tradeId),
        broker.closeForOwner(agentId, tradeId),
        broker.liquidate(agentId, tradeId),
        forceExit(agentId, tradeId),
      ]);
      expectOneClose(results, tradeId);
      expect(await closedTrades(agentId)).toBe(1);
      expect(closeEvents(tradeId)).toHaveLength(1);
    }
  });

  it('after the agent closed the trade itself, answers with that close; a newer position is never touched', async () => {
    const { agentId, tradeId } = await holdingLong();
    await broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'TP hit: price 101 ≥ TP 101', tradeId });
    const next = await broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', amountUsdt: 100, reason: 'again' });
    expect(await forceExit(agentId, tradeId)).toMatchObject({ tradeId, replayed: true, closeReason: 'tp' });
    expect(hubCloses.has(tradeId)).toBe(false);
    const [row] = await fx.sql<{ position: { tradeId: string } }>('select position from agents where id = ?', [agentId]);
    expect(row!.position.tradeId).toBe(next.tradeId);
    expect(await closedTrades(agentId)).toBe(1);
  });

  it('closes a running live agent at the exchange once, racing its own close', async () => {
    prices.set('BTCUSDT', 60_000);
    const { agentId, tradeId } = await holdingLong({ liveMode: true });
    const sells = () => hk.orders.filter((o) => o.side === 'SELL').length;
    const sellsBefore = sells();
    const results = await Promise.allSettled([
      forceExit(agentId, tradeId),
      broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'signal reversed', tradeId }),
    ]);
    // The second may find the first still at the exchange (order_in_flight): never a second sell.
    const answered = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'order_in_flight' });
    expect(answered.filter((r) => !r.replayed)).toHaveLength(1);
    expect(sells()).toBe(sellsBefore + 1);
    expect(await closedTrades(agentId)).toBe(1);
    expect(await forceExit(agentId, tradeId)).toMatchObject({ tradeId, status: 'closed', live: true, replayed: true });
    prices.set('BTCUSDT', 100);
  });
});

describe('a paused agent at the broker', () => {
  it('opens are refused (409 agent_paused) while its close goes through; un-paused, it opens again', async () => {
    const { agentId, tradeId } = await holdingLong();
    const em = fx.orm.em.fork() as EntityManager;
    expect(await setPausedOwned(em, owner, agentId, true)).toBe(true);
    expect(await setPausedOwned(em, owner, agentId, true)).toBe(false);
    const closed = await broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'TP hit', tradeId });
    expect(closed).toMatchObject({ status: 'closed', closeReason: 'tp' });
    const open = broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', amountUsdt: 100, reason: 'signal' });
    await expect(open).rejects.toBeInstanceOf(AgentPausedError);
    await expect(open).rejects.toMatchObject({ httpStatus: 409, code: 'agent_paused' });
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(1);
    // Another owner cannot pause or un-pause it.
    expect(await setPausedOwned(em, await fx.user(), agentId, false)).toBe(false);
    expect(await setPausedOwned(em, owner, agentId, false)).toBe(true);
    await expect(
      broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', amountUsdt: 100, reason: 'signal' }),
    ).resolves.toMatchObject({ status: 'open' });
  });

  it('an open racing the pause is either filled before it or refused after it: none is admitted once it returns', async () => {
    for (let round = 0; round < 10; round++) {
      const agentId = await fx.agent(owner);
      const em = fx.orm.em.fork() as EntityManager;
      const open = broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', amountUsdt: 100, reason: 'signal' }).then(
        () => 'opened',
        (e: unknown) => {
          if (e instanceof AgentPausedError) return 'refused';
          throw e;
        },
      );
      await setPausedOwned(em, owner, agentId, true);
      const late = await broker
        .execute(agentId, { idempotencyKey: key(), action: 'open', side: 'short', amountUsdt: 100, reason: 'late' })
        .catch((e: unknown) => e);
      // Flat or not, no open is admitted after the pause committed.
      expect(late).toBeInstanceOf(AgentPausedError);
      expect(['opened', 'refused']).toContain(await open);
      expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe((await open) === 'opened' ? 1 : 0);
    }
  });
});
