/** The door to `trades` (src/hub/broker/trades.ts): each query against real PostgreSQL. */
import type { EntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import type { OpenFill } from '../../../src/hub/broker/fills.js';
import { toClosedTrade } from '../../../src/hub/analytics/analytics-service.js';
import {
  closedPaperTradesOf,
  closeTrade,
  createOpenTrade,
  hasOpenTrade,
  latestOpenTrade,
  ownerClosedTradeRows,
  ownerClosedTrades,
  ownerTradesByIdPrefix,
  ownerTradesForExport,
  ownerTradesInWindow,
  ownerTradesPage,
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

  it("reads the owner's trades open at some time in a window (a chart's), one agent's or all; never another owner's", async () => {
    const day = (n: number) => new Date(Date.UTC(2026, 1, n));
    const owner = await file.fx.user();
    const agent = await file.fx.agent(owner);
    const sibling = await file.fx.agent(owner);
    const stranger = await file.fx.user();
    const strangers = await file.fx.agent(stranger);
    const before = await open(agent, 'k9-before', day(1));
    await close(before, 'k9-before-close', day(2));
    const across = await open(agent, 'k9-across', day(3));
    await close(across, 'k9-across-close', day(6));
    const inside = await open(agent, 'k9-inside', day(7));
    await close(inside, 'k9-inside-close', day(8));
    const stillOpen = await open(agent, 'k9-open', day(9));
    const siblings = await open(sibling, 'k9-sibling', new Date(day(7).getTime() + 3_600_000));
    await open(strangers, 'k9-stranger', day(7));

    const ids = async (scope: Omit<Parameters<typeof ownerTradesInWindow>[1], 'ownerId'>, ownerId = owner) =>
      (await ownerTradesInWindow(fork(), { ownerId, ...scope })).map((t) => t.id);
    expect(await ids({ agentId: agent, from: day(5) })).toEqual([across, inside, stillOpen]);
    expect(await ids({ agentId: agent, from: day(5), to: day(8) })).toEqual([across, inside]);
    expect(await ids({ from: day(7), to: day(8) })).toEqual([inside, siblings]);
    // Scoped by owner: another owner's agent reads as nothing, whoever asks.
    expect(await ids({ agentId: strangers, from: day(1) })).toEqual([]);
    expect(await ids({ agentId: agent, from: day(1) }, stranger)).toEqual([]);
  });
});

describe('closed trades for analytics', () => {
  it("reads the owner's closed trades with their agent, oldest close first, for all agents, one, or since a time", async () => {
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

    const since = new Date('2026-02-01T00:00:00Z');
    const mine = await ownerClosedTrades(fork(), { ownerId: file.owner, since });
    expect(mine.map((t) => t.id)).toEqual([early, late]);
    expect(mine[1]).toMatchObject({ side: 'short', qty: 2, exitPrice: 97, fees: 0.4, pnl: -3, status: 'closed', closeReason: 'sl hit' });
    expect(mine[1]!.closedAt?.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect([mine[1]!.agent.name, mine[1]!.agent.symbol, mine[1]!.agent.strategy]).toEqual(['an-a', 'ETHUSDT', 'momentum']);
    // One agent; a later window; another owner's agent id gives nothing.
    expect((await ownerClosedTrades(fork(), { ownerId: file.owner, agentId: a, since })).map((t) => t.id)).toEqual([late]);
    expect((await ownerClosedTrades(fork(), { ownerId: file.owner, since: new Date('2026-03-01T12:00:00Z') })).map((t) => t.id)).toEqual([
      late,
    ]);
    expect(await ownerClosedTrades(fork(), { ownerId: file.owner, agentId: theirs })).toEqual([]);
    expect((await ownerClosedTrades(fork(), { ownerId: stranger })).map((t) => t.id)).toEqual([other]);
  });

  it('reads the same closed trades as plain rows in one statement, scoped alike', async () => {
    const a = await file.fx.agent(file.owner, { name: 'rows-a', symbol: 'SOLUSDT', strategy: 'breakout' });
    const stranger = await file.fx.user();
    const theirs = await file.fx.agent(stranger, { name: 'rows-theirs' });
    await seedTrades(file.fx.orm, [
      { agentId: a, pnl: 4, fees: 0.2, closedAt: new Date('2026-05-02T00:00:00Z'), side: 'short', qty: 3, live: true },
      { agentId: a, pnl: -1, closedAt: new Date('2026-05-01T00:00:00Z'), closeReason: null },
      { agentId: theirs, pnl: 7, closedAt: new Date('2026-05-01T12:00:00Z') },
      { agentId: a, pnl: 0, closedAt: new Date('2026-05-03T00:00:00Z'), status: 'open' },
    ]);
    for (const scope of [{ agentId: a }, { agentId: a, since: new Date('2026-05-01T12:00:00Z') }, { agentId: theirs }, {}]) {
      const rows = await ownerClosedTradeRows(fork(), { ownerId: file.owner, ...scope });
      const entities = (await ownerClosedTrades(fork(), { ownerId: file.owner, ...scope })).map(toClosedTrade);
      expect(rows).toEqual(entities);
    }
    expect((await ownerClosedTradeRows(fork(), { ownerId: file.owner, agentId: a })).map((t) => t.pnl)).toEqual([-1, 4]);
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

describe("the owner's trades (the trader's views)", () => {
  /** A fresh owner with two agents and five trades opened a day apart (b's are the 2nd and 4th). */
  async function seeded() {
    const owner = await file.fx.user();
    const a = await file.fx.agent(owner, { name: 'alpha' });
    const b = await file.fx.agent(owner, { name: 'beta' });
    const ids: string[] = [];
    for (let day = 1; day <= 5; day++) {
      ids.push(await open(day % 2 === 0 ? b : a, `own-${owner}-${day}`, new Date(Date.UTC(2026, 0, day))));
    }
    return { owner, a, b, ids };
  }

  it('pages them newest first with the total, for all agents or one, with the agent populated', async () => {
    const { owner, b, ids } = await seeded();
    const first = await ownerTradesPage(fork(), { ownerId: owner }, { offset: 0, limit: 2 });
    expect(first.total).toBe(5);
    expect(first.trades.map((t) => t.id)).toEqual([ids[4], ids[3]]);
    expect(first.trades.map((t) => t.agent.name)).toEqual(['alpha', 'beta']);
    const last = await ownerTradesPage(fork(), { ownerId: owner }, { offset: 4, limit: 2 });
    expect(last.trades.map((t) => t.id)).toEqual([ids[0]]);
    const ofB = await ownerTradesPage(fork(), { ownerId: owner, agentId: b }, { offset: 0, limit: 10 });
    expect(ofB).toMatchObject({ total: 2 });
    expect(ofB.trades.map((t) => t.id)).toEqual([ids[3], ids[1]]);
  });

  it("never answers another owner's trades, by owner, by agent or by id", async () => {
    const { owner, a, ids } = await seeded();
    const stranger = await file.fx.user();
    expect(await ownerTradesPage(fork(), { ownerId: stranger }, { offset: 0, limit: 10 })).toEqual({ trades: [], total: 0 });
    expect((await ownerTradesPage(fork(), { ownerId: stranger, agentId: a }, { offset: 0, limit: 10 })).total).toBe(0);
    expect(await ownerTradesByIdPrefix(fork(), stranger, ids[0]!)).toEqual([]);
    expect((await ownerTradesForExport(fork(), { ownerId: stranger, agentId: a }, 10)).total).toBe(0);
    expect((await ownerTradesByIdPrefix(fork(), owner, ids[0]!)).map((t) => t.id)).toEqual([ids[0]]);
  });

  it('finds a trade by a prefix of its id (case-insensitive), at most `limit` of them', async () => {
    const { owner, ids } = await seeded();
    const [found] = await ownerTradesByIdPrefix(fork(), owner, ids[2]!.slice(0, 8).toUpperCase());
    expect(found?.id).toBe(ids[2]);
    expect(found?.agent.name).toBe('alpha');
    // Nothing but hex digits and dashes is matched (no LIKE wildcards); a short prefix is capped by `limit`.
    expect(await ownerTradesByIdPrefix(fork(), owner, '%')).toEqual([]);
    expect((await ownerTradesByIdPrefix(fork(), owner, ids[2]!.slice(0, 1), 1)).length).toBe(1);
    expect(await ownerTradesByIdPrefix(fork(), owner, 'ffffffff-ffff')).toEqual([]);
  });

  it('exports the newest `limit`, oldest first, with the total', async () => {
    const { owner, a, ids } = await seeded();
    const all = await ownerTradesForExport(fork(), { ownerId: owner }, 100);
    expect(all.total).toBe(5);
    expect(all.trades.map((t) => t.id)).toEqual(ids);
    const capped = await ownerTradesForExport(fork(), { ownerId: owner }, 3);
    expect(capped).toMatchObject({ total: 5 });
    expect(capped.trades.map((t) => t.id)).toEqual(ids.slice(2));
    const ofA = await ownerTradesForExport(fork(), { ownerId: owner, agentId: a }, 100);
    expect(ofA.trades.map((t) => t.id)).toEqual([ids[0], ids[2], ids[4]]);
  });
});
