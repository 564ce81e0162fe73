/** The agents table's door for position state (src/hub/agents/position-store.ts), against real PostgreSQL. */
import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Agent, OpenPosition } from '../../../src/db/entities/index.js';
import {
  agentsHoldingPositions,
  agentVenue,
  holdPosition,
  lockAgentRow,
  moveTpSl,
  releasePosition,
} from '../../../src/hub/agents/position-store.js';
import { brokerFixtureForFile } from '../broker/fixtures.js';

const file = brokerFixtureForFile('posstore');
const fork = () => file.fx.orm.em.fork() as EntityManager;

function position(tradeId: string): OpenPosition {
  return {
    tradeId,
    side: 'long',
    qty: 1,
    entryPrice: 100,
    leverage: 2,
    margin: 50,
    liquidationPrice: 51,
    tpPrice: 120,
    slPrice: 90,
    openedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** Runs `change` on the agent's locked row and commits (the caller's flush writes it). */
async function withLockedAgent(agentId: string, change: (agent: Agent) => void): Promise<void> {
  await fork().transactional(async (tx) => {
    change((await lockAgentRow(tx, agentId))!);
    await tx.flush();
  });
}

const row = async (agentId: string) =>
  (await file.fx.sql('select position, last_price, unrealized_pnl, realized_pnl from agents where id = ?', [agentId]))[0]!;

describe('the position store', () => {
  it('locks the agent row until the transaction ends; null for an unknown agent', async () => {
    const agentId = await file.fx.agent(file.owner);
    expect(await fork().transactional((tx) => lockAgentRow(tx, crypto.randomUUID()))).toBeNull();
    const other = new pg.Client({ connectionString: file.fx.url });
    await other.connect();
    try {
      await fork().transactional(async (tx) => {
        expect((await lockAgentRow(tx, agentId))?.id).toBe(agentId);
        await expect(other.query('select id from agents where id = $1 for update nowait', [agentId])).rejects.toMatchObject({
          code: '55P03',
        });
      });
      expect((await other.query('select id from agents where id = $1 for update nowait', [agentId])).rowCount).toBe(1);
    } finally {
      await other.end();
    }
  });

  it("reads an agent's venue (symbol, live mode, session live mode)", async () => {
    const agentId = await file.fx.agent(file.owner, { symbol: 'ETHUSDT' });
    await file.fx.sql('update agents set live_mode = true, session_live_mode = false where id = ?', [agentId]);
    expect(await agentVenue(fork(), agentId)).toMatchObject({ symbol: 'ETHUSDT', liveMode: true, sessionLiveMode: false });
    expect(await agentVenue(fork(), crypto.randomUUID())).toBeNull();
  });

  it('writes a position with its price, realises it on release, and lists only agents holding one', async () => {
    const holder = await file.fx.agent(file.owner);
    const flat = await file.fx.agent(file.owner);
    const tradeId = crypto.randomUUID();
    await withLockedAgent(holder, (agent) => {
      agent.unrealizedPnl = 3;
      holdPosition(agent, position(tradeId), 101);
    });
    expect(await row(holder)).toMatchObject({ position: position(tradeId), last_price: 101, unrealized_pnl: 0 });
    const listed = await agentsHoldingPositions(fork());
    expect(listed.map((a) => a.id)).toContain(holder);
    expect(listed.map((a) => a.id)).not.toContain(flat);
    expect(listed.find((a) => a.id === holder)).toMatchObject({ symbol: 'BTCUSDT', position: position(tradeId) });

    await withLockedAgent(holder, (agent) => releasePosition(agent, 7.5, null));
    expect(await row(holder)).toMatchObject({ position: null, last_price: 101, realized_pnl: 7.5, unrealized_pnl: 0 });
    await withLockedAgent(holder, (agent) => {
      holdPosition(agent, position(tradeId), 101);
      releasePosition(agent, -2.5, 95);
    });
    expect(await row(holder)).toMatchObject({ position: null, last_price: 95, realized_pnl: 5 });
    expect((await agentsHoldingPositions(fork())).map((a) => a.id)).not.toContain(holder);
  });

  it('moves take-profit / stop-loss: undefined keeps a level, null clears it, flat stays flat', async () => {
    const agentId = await file.fx.agent(file.owner);
    const tradeId = crypto.randomUUID();
    await withLockedAgent(agentId, (agent) => holdPosition(agent, position(tradeId), 100));
    await withLockedAgent(agentId, (agent) => moveTpSl(agent, { tpPrice: 130 }));
    expect((await row(agentId)).position).toMatchObject({ tpPrice: 130, slPrice: 90 });
    await withLockedAgent(agentId, (agent) => moveTpSl(agent, { slPrice: null }));
    expect((await row(agentId)).position).toMatchObject({ tpPrice: 130, slPrice: null });
    const flat = await file.fx.agent(file.owner);
    await withLockedAgent(flat, (agent) => moveTpSl(agent, { tpPrice: 1, slPrice: 1 }));
    expect((await row(flat)).position).toBeNull();
  });
});
