/**
 * The outbox read behind /trade's chain links (`sentTradeEntries`, src/hub/chain/outbox.ts)
 * against real PostgreSQL: trade entries the broker queued, settled by the outbox's own functions.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import { createBroker } from '../../../src/hub/broker/broker.js';
import { sentTradeEntries, settleEntries } from '../../../src/hub/chain/outbox.js';
import { createLogger } from '../../../src/logger.js';
import { brokerFixtureForFile, settablePrices } from '../broker/fixtures.js';

const file = brokerFixtureForFile('outbox_reads');
const em = () => file.fx.orm.em.fork() as EntityManager;

/** A trade opened and closed through the broker (two queued trade entries): its id and their outbox ids (the agent's last two). */
async function roundTrip(agentId: string): Promise<{ tradeId: string; outboxIds: number[] }> {
  const broker = createBroker({
    orm: file.fx.orm,
    events: file.fx.events,
    prices: settablePrices({ BTCUSDT: 100 }),
    feeBps: 0,
    slippageBps: 0,
    logger: createLogger({ level: 'silent' }),
  });
  const opened = await broker.execute(agentId, { idempotencyKey: crypto.randomUUID(), action: 'open', side: 'long', reason: 'x' });
  await broker.execute(agentId, { idempotencyKey: crypto.randomUUID(), action: 'close', reason: 'y', tradeId: opened.tradeId });
  const rows = await file.fx.sql<{ id: string }>(
    `select id from chain_outbox where kind = 'trade' and payload->>'agentId' = ? order by id`,
    [agentId],
  );
  return { tradeId: opened.tradeId, outboxIds: rows.slice(-2).map((r) => Number(r.id)) };
}

describe('confirmed chain entries of a trade', () => {
  it('lists only sent entries with a tx hash, open before close, and only for that trade and agent', async () => {
    const agentId = await file.fx.agent(file.owner);
    const first = await roundTrip(agentId);
    const second = await roundTrip(agentId);
    expect(first.outboxIds).toHaveLength(2);
    expect(await sentTradeEntries(em(), agentId, first.tradeId)).toEqual([]); // queued, not sent yet

    const [openId, closeId] = first.outboxIds as [number, number];
    const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
    await settleEntries(file.fx.orm, [{ id: openId, status: 'sent', txHash: hash(1), blockNumber: 7 }], new Date());
    expect(await sentTradeEntries(em(), agentId, first.tradeId)).toEqual([{ event: 'open', txHash: hash(1), blockNumber: 7 }]);

    await settleEntries(file.fx.orm, [{ id: closeId, status: 'sent', txHash: hash(2), blockNumber: 9 }], new Date());
    await settleEntries(
      file.fx.orm,
      [{ id: second.outboxIds[0]!, status: 'failed', error: 'reverted', txHash: hash(3), blockNumber: 10 }],
      new Date(),
    );
    expect(await sentTradeEntries(em(), agentId, first.tradeId)).toEqual([
      { event: 'open', txHash: hash(1), blockNumber: 7 },
      { event: 'close', txHash: hash(2), blockNumber: 9 },
    ]);
    expect(await sentTradeEntries(em(), agentId, second.tradeId)).toEqual([]); // failed is not logged
    expect(await sentTradeEntries(em(), await file.fx.agent(file.owner), first.tradeId)).toEqual([]);
  });
});
