/**
 * The trader's view of trades (src/hub/analytics/trade-history.ts) against real PostgreSQL: page
 * bounds, what /trade accepts as an id, owner scoping. The chat side is tested in test/bot/trades.test.ts.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import { createTradeHistory, TradeNotFoundError } from '../../../src/hub/analytics/trade-history.js';
import { lockAgentRow } from '../../../src/hub/agents/position-store.js';
import { createOpenTrade } from '../../../src/hub/broker/trades.js';
import { brokerFixtureForFile } from '../broker/fixtures.js';

const file = brokerFixtureForFile('trade_history');
const history = () => createTradeHistory({ orm: file.fx.orm, chainId: 133 });

async function open(agentId: string, day: number): Promise<string> {
  const tradeId = crypto.randomUUID();
  await (file.fx.orm.em.fork() as EntityManager).transactional(async (tx) => {
    const agent = (await lockAgentRow(tx, agentId))!;
    const fill = { price: 100, qty: 1, fee: 0.1, margin: 100, leverage: 1, liquidationPrice: null, orderIds: [], marketPrice: 100 };
    createOpenTrade(tx, agent, {
      tradeId,
      side: 'long',
      fill,
      live: false,
      openedAt: new Date(Date.UTC(2026, 0, day)),
      idempotencyKey: tradeId,
    });
    await tx.flush();
  });
  return tradeId;
}

describe('trade history', () => {
  it('pages with a count of pages, clamps a page past the end, and has one empty page without trades', async () => {
    const agentId = await file.fx.agent(file.owner, { name: 'pager' });
    const ids = [await open(agentId, 1), await open(agentId, 2), await open(agentId, 3)];
    const scope = { ownerId: file.owner, agentId };
    const second = await history().page(scope, 1, 2);
    expect(second).toMatchObject({ total: 3, page: 1, pageSize: 2, pages: 2 });
    expect(second.trades.map((t) => t.id)).toEqual([ids[0]]);
    expect(second.trades[0]).toMatchObject({ agentName: 'pager', symbol: 'BTCUSDT', status: 'open', shortId: ids[0]!.slice(0, 8) });
    expect((await history().page(scope, 7, 2)).page).toBe(1);
    expect(await history().page({ ownerId: await file.fx.user() }, 0, 10)).toEqual({
      trades: [],
      total: 0,
      page: 0,
      pageSize: 10,
      pages: 1,
    });
  });

  it('takes a full id or a prefix of 8+ hex characters, scoped to the owner', async () => {
    const agentId = await file.fx.agent(file.owner);
    const id = await open(agentId, 4);
    expect((await history().detail(file.owner, id.slice(0, 8))).id).toBe(id);
    expect(await history().detail(file.owner, id)).toMatchObject({ id, decision: null, chain: [] });
    for (const ref of [id.slice(0, 7), `${id.slice(0, 8)}%`, '']) {
      await expect(history().detail(file.owner, ref)).rejects.toBeInstanceOf(TradeNotFoundError);
    }
    await expect(history().detail(await file.fx.user(), id)).rejects.toBeInstanceOf(TradeNotFoundError);
  });
});
