/** The door to `trades` (src/hub/broker/trades.ts): each query against real PostgreSQL. */
import type { EntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import type { OpenFill } from '../../../src/hub/broker/fills.js';
import {
  closedPaperTradesOf,
  closedTradesOfOwner,
  closeTrade,
  createOpenTrade,
  hasOpenTrade,
  latestOpenTrade,
  tradeById,
  tradeOfAgent,
  tradesByKey,
} from '../../../src/hub/broker/trades.js';
import { lockAgentRow } from '../../../src/hub/agents/position-store.js';
import { seedTrades } from '../../support/seed-trades.js';
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

/** Closes `tradeId` under key `key`, committed. */
async function close(tradeId: string, key: string): Promise<void> {
  await fork().transactional(async (tx) => {
    const trade = await tradeById(tx, tradeId);
    closeTrade(
      trade,
      { price: 110, qty: 2, fee: 0.3, pnl: 19.5, orderIds: ['o-2'], marketPrice: 110, reason: 'target' },
      key,
      new Date('2026-01-02T00:00:00Z'),
    );
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
});

describe('closed trades for analytics', () => {
  it("reads the owner's closed trades with the agent's name, symbol and strategy, in close order", async () => {
    const a = await file.fx.agent(file.owner, { name: 'an-a', symbol: 'ETHUSDT', strategy: 'momentum' });
    const b = await file.fx.agent(file.owner, { name: 'an-b' });
    const stranger = await file.fx.user();
    const theirs = await file.fx.agent(stranger, { name: 'an-a' });
    const [late, early, other] = await seedTrades(file.fx.orm, [
      { agentId: a, pnl: -3, fees: 0.4, closedAt: new Date('2026-03-02T00:00:00Z'), closeReason: 'sl hit', side: 'short', qty: 2 },
      { agentId: b, pnl: 5, closedAt: new Date('2026-03-01T00:00:00Z') },
      { agentId: theirs, pnl: 100, closedAt: new Date('2026-03-01T12:00:00Z') },
    ]);
    await seedTrades(file.fx.orm, [{ agentId: a, pnl: 0, closedAt: new Date('2026-03-03T00:00:00Z'), status: 'open' }]);

    const mine = await closedTradesOfOwner(fork(), file.owner, { since: new Date('2026-02-01T00:00:00Z') });
    expect(mine.map((t) => t.id)).toEqual([early, late]);
    expect(mine[1]).toEqual({
      id: late,
      agentId: a,
      agentName: 'an-a',
      symbol: 'ETHUSDT',
      strategy: 'momentum',
      side: 'short',
      qty: 2,
      entryPrice: 100,
      exitPrice: 97,
      margin: 100,
      leverage: 1,
      fees: 0.4,
      pnl: -3,
      openedAt: new Date('2026-03-01T23:00:00Z'),
      closedAt: new Date('2026-03-02T00:00:00Z'),
      closeReason: 'sl hit',
      live: false,
    });
    expect(mine[0]!.strategy).toBeNull();
    // One agent; a window; another owner's agent id gives nothing.
    expect((await closedTradesOfOwner(fork(), file.owner, { agentId: a })).map((t) => t.id)).toEqual([late]);
    expect((await closedTradesOfOwner(fork(), file.owner, { since: new Date('2026-03-01T12:00:00Z') })).map((t) => t.id)).toEqual([late]);
    expect(await closedTradesOfOwner(fork(), file.owner, { agentId: theirs })).toEqual([]);
    expect((await closedTradesOfOwner(fork(), stranger)).map((t) => t.id)).toEqual([other]);
  });

  it('reads the closed paper trades of given agents, whoever owns them', async () => {
    const a = await file.fx.agent(file.owner, { name: 'paper-a' });
    const b = await file.fx.agent(await file.fx.user(), { name: 'paper-b' });
    const [pa, , pb] = await seedTrades(file.fx.orm, [
      { agentId: a, pnl: 1, closedAt: new Date('2026-04-01T00:00:00Z') },
      { agentId: a, pnl: 9, closedAt: new Date('2026-04-02T00:00:00Z'), live: true },
      { agentId: b, pnl: 2, closedAt: new Date('2026-04-03T00:00:00Z') },
    ]);
    expect((await closedPaperTradesOf(fork(), [a, b])).map((t) => t.id)).toEqual([pa, pb]);
    expect(await closedPaperTradesOf(fork(), [])).toEqual([]);
  });
});
