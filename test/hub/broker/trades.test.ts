/** The door to `trades` (src/hub/broker/trades.ts): each query against real PostgreSQL. */
import type { EntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import type { OpenFill } from '../../../src/hub/broker/fills.js';
import {
  closeTrade,
  createOpenTrade,
  hasOpenTrade,
  latestOpenTrade,
  ownerTrades,
  tradeById,
  tradeOfAgent,
  tradesByKey,
} from '../../../src/hub/broker/trades.js';
import { lockAgentRow } from '../../../src/hub/agents/position-store.js';
import { brokerFixtureForFile } from './fixtures.js';

const file = brokerFixtureForFile('trades');
const fork = () => file.fx.orm.em.fork() as EntityManager;
const fill: OpenFill = {
  price: 100,
  qty: 2,
  fee: 0.2,
  margin: 200,
  leverage: 1,
  liquidationPrice: null,
  orderIds: ['o-1'],
  marketPrice: 100,
};

/** Opens trade `tradeId` for `agentId` under key `key`, at `openedAt`, committed. */
async function open(agentId: string, key: string, openedAt = new Date()): Promise<string> {
  const tradeId = crypto.randomUUID();
  await fork().transactional(async (tx) => {
    const agent = (await lockAgentRow(tx, agentId))!;
    createOpenTrade(tx, agent, { tradeId, side: 'long', fill, live: false, openedAt, idempotencyKey: key });
    await tx.flush();
  });
  return tradeId;
}

/** Closes `tradeId` under key `key` at `closedAt`, committed. */
async function close(tradeId: string, key: string, closedAt = new Date('2026-01-02T00:00:00Z')): Promise<void> {
  await fork().transactional(async (tx) => {
    const trade = await tradeById(tx, tradeId);
    closeTrade(trade, { price: 110, qty: 2, fee: 0.3, pnl: 19.5, orderIds: ['o-2'], marketPrice: 110, reason: 'target' }, key, closedAt);
    await tx.flush();
  });
}

describe('the trades door', () => {
  it('writes an open trade row with every field, then its close on the same row', async () => {
    const agentId = await file.fx.agent(file.owner);
    const tradeId = await open(agentId, 'k-open', new Date('2026-01-01T00:00:00Z'));
    await close(tradeId, 'k-close');
    const [row] = await file.fx.sql('select * from trades where id = ?', [tradeId]);
    expect(row).toMatchObject({
      agent_id: agentId,
      side: 'long',
      qty: 2,
      entry_price: 100,
      exit_price: 110,
      fees: 0.5,
      pnl: 19.5,
      status: 'closed',
      close_reason: 'target',
      live: false,
      exchange_order_ids: ['o-1', 'o-2'],
      idempotency_key: 'k-open',
      close_idempotency_key: 'k-close',
    });
    expect(new Date(row.closed_at as string).toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('finds trades by an open or a close key, and nothing for an unknown one', async () => {
    const agentId = await file.fx.agent(file.owner);
    const tradeId = await open(agentId, 'k2-open');
    await close(tradeId, 'k2-close');
    expect((await tradesByKey(fork(), 'k2-open')).map((t) => t.id)).toEqual([tradeId]);
    expect((await tradesByKey(fork(), 'k2-close')).map((t) => t.id)).toEqual([tradeId]);
    expect(await tradesByKey(fork(), 'k2-none')).toEqual([]);
  });

  it('answers a trade id only for the agent it belongs to; tradeById throws for an unknown id', async () => {
    const a = await file.fx.agent(file.owner);
    const b = await file.fx.agent(file.owner);
    const tradeId = await open(a, 'k3-open');
    expect((await tradeOfAgent(fork(), a, tradeId))?.id).toBe(tradeId);
    expect(await tradeOfAgent(fork(), b, tradeId)).toBeNull();
    expect((await tradeById(fork(), tradeId)).id).toBe(tradeId);
    await expect(tradeById(fork(), crypto.randomUUID())).rejects.toThrow();
  });

  it("names the agent's latest open trade and whether it has one", async () => {
    const agentId = await file.fx.agent(file.owner);
    expect(await hasOpenTrade(fork(), agentId)).toBe(false);
    expect(await latestOpenTrade(fork(), agentId)).toBeNull();
    const older = await open(agentId, 'k4-a', new Date('2026-01-01T00:00:00Z'));
    const newer = await open(agentId, 'k4-b', new Date('2026-01-03T00:00:00Z'));
    expect(await hasOpenTrade(fork(), agentId)).toBe(true);
    expect((await latestOpenTrade(fork(), agentId))?.id).toBe(newer);
    await close(newer, 'k4-b-close');
    expect((await latestOpenTrade(fork(), agentId))?.id).toBe(older);
    await close(older, 'k4-a-close');
    expect(await hasOpenTrade(fork(), agentId)).toBe(false);
  });

  it("reads an owner's trades of some agents: in a time window, or closed only; never another owner's", async () => {
    const day = (n: number) => new Date(Date.UTC(2026, 1, n));
    const agent = await file.fx.agent(file.owner);
    const sibling = await file.fx.agent(file.owner);
    const stranger = await file.fx.user();
    const strangers = await file.fx.agent(stranger);
    const before = await open(agent, 'k5-before', day(1));
    await close(before, 'k5-before-close', day(2));
    const across = await open(agent, 'k5-across', day(3));
    await close(across, 'k5-across-close', day(6));
    const inside = await open(agent, 'k5-inside', day(7));
    await close(inside, 'k5-inside-close', day(8));
    const stillOpen = await open(agent, 'k5-open', day(9));
    const siblings = await open(sibling, 'k5-sibling', new Date(day(7).getTime() + 3_600_000));
    await open(strangers, 'k5-stranger', day(7));

    const ids = async (query: Omit<Parameters<typeof ownerTrades>[1], 'ownerId'>, ownerId = file.owner) =>
      (await ownerTrades(fork(), { ownerId, ...query })).map((t) => t.id);
    expect(await ids({ agentIds: [agent], from: day(5) })).toEqual([across, inside, stillOpen]);
    expect(await ids({ agentIds: [agent], from: day(5), to: day(8) })).toEqual([across, inside]);
    expect(await ids({ agentIds: [agent], closedOnly: true })).toEqual([before, across, inside]);
    expect(await ids({ agentIds: [agent, sibling], from: day(7), to: day(8) })).toEqual([inside, siblings]);
    // Scoped by owner: another owner's agent reads as nothing, whoever asks.
    expect(await ids({ agentIds: [strangers, agent], from: day(7), to: day(7) })).toEqual([inside]);
    expect(await ids({ agentIds: [agent] }, stranger)).toEqual([]);
    expect(await ids({ agentIds: [] })).toEqual([]);
  });
});
