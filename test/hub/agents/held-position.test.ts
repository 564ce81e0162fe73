/**
 * A position that outlives its agent's session: a stop that did not close it leaves it on the
 * agent's row; the owner closes it with the hub's own market close (exactly once, whoever else
 * closes it at the same time), and delete refuses an agent that holds one unless asked to close
 * it first. Real hub, lifecycle and paper broker over the bot harness's in-test agents (whose
 * /stop never closes anything: the worst case of a stop).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotHarness, type BotHarness } from '../../support/bot-harness.js';

let h: BotHarness;
let ownerId: string;

beforeAll(async () => {
  h = await createBotHarness();
  ownerId = (await h.hub.users.register(1500, 'Holder')).user.id;
});
afterAll(async () => h?.close());

async function holding(name: string) {
  const agent = await h.hub.agents.create(ownerId, { symbol: 'BTCUSDT', amountUsdt: 100, name });
  await h.hub.lifecycle.start(ownerId, agent.id);
  const opened = await h.hub.broker.execute(agent.id, {
    idempotencyKey: randomUUID(),
    action: 'open',
    side: 'long',
    amountUsdt: 100,
    reason: 'signal',
  });
  return { agent, opened };
}

async function closedTrades(agentId: string): Promise<number> {
  const [row] = await h.orm.em
    .fork()
    .getConnection()
    .execute(`select count(*)::int as n from trades where agent_id = ? and status = 'closed'`, [agentId]);
  return Number(row.n);
}

const closeEvents = (tradeId: string) => {
  const seen: string[] = [];
  const off = h.hub.events.on('trade.closed', (e) => e.tradeId === tradeId && seen.push(e.reason));
  return { seen, off };
};

describe('a position left open by a stop', () => {
  it('the stop reports it; Close now closes it at the market once, even asked twice at the same time', async () => {
    const { agent, opened } = await holding('kept-open');
    const stopped = await h.hub.lifecycle.stop(ownerId, agent.id, { closePosition: false });
    expect(stopped.status).toBe('stopped');
    expect(stopped.position?.tradeId).toBe(opened.tradeId);

    const events = closeEvents(opened.tradeId);
    const [first, second] = await Promise.all([
      h.hub.lifecycle.closePosition(ownerId, agent.id),
      h.hub.lifecycle.closePosition(ownerId, 'kept-open'),
    ]);
    events.off();
    const closes = [first.closed, second.closed].filter((c) => c !== null);
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({ tradeId: opened.tradeId, status: 'closed', replayed: false, closeReason: 'closed by owner' });
    expect(await closedTrades(agent.id)).toBe(1);
    expect(events.seen).toEqual(['closed by owner']);
    for (const r of [first, second]) expect(r.agent).toMatchObject({ status: 'stopped', position: null });
    expect((await h.hub.agents.find(ownerId, agent.id)).realizedPnl).toBeCloseTo(closes[0]!.pnl!, 9);
  });

  it("racing the agent's own late close of the trade, exactly one closing fill is made", async () => {
    const { agent, opened } = await holding('late-close');
    await h.hub.lifecycle.stop(ownerId, agent.id, { closePosition: false });
    const events = closeEvents(opened.tradeId);
    const [fromAgent, fromOwner] = await Promise.allSettled([
      h.hub.broker.execute(agent.id, {
        idempotencyKey: randomUUID(),
        action: 'close',
        reason: 'stop: close position',
        tradeId: opened.tradeId,
      }),
      h.hub.lifecycle.closePosition(ownerId, agent.id),
    ]);
    events.off();
    expect(fromAgent.status).toBe('fulfilled');
    expect(fromOwner.status).toBe('fulfilled');
    expect(await closedTrades(agent.id)).toBe(1);
    expect(events.seen).toHaveLength(1);
    expect((await h.hub.agents.find(ownerId, agent.id)).position).toBeNull();
  });

  it('Close now is refused while the agent runs: the session manages its own position', async () => {
    const { agent, opened } = await holding('still-running');
    await expect(h.hub.lifecycle.closePosition(ownerId, agent.id)).rejects.toMatchObject({
      name: 'AgentStateError',
      userMessage: expect.stringContaining('still-running is running'),
    });
    expect((await h.hub.agents.find(ownerId, agent.id)).position?.tradeId).toBe(opened.tradeId);
    await h.hub.lifecycle.stop(ownerId, agent.id, { closePosition: false });
    // Another user cannot close it.
    const other = (await h.hub.users.register(1501, 'Other')).user.id;
    await expect(h.hub.lifecycle.closePosition(other, agent.id)).rejects.toThrow(/No agent matches/);
    await h.hub.lifecycle.closePosition(ownerId, agent.id);
  });
});

describe('deleting an agent that holds a position', () => {
  it('is refused, and nothing is stopped or removed', async () => {
    const { agent, opened } = await holding('del-refused');
    await expect(h.hub.lifecycle.delete(ownerId, agent.id)).rejects.toMatchObject({ name: 'PositionHeldError', agentName: 'del-refused' });
    const after = await h.hub.agents.find(ownerId, agent.id);
    expect(after).toMatchObject({ status: 'running' });
    expect(after.position?.tradeId).toBe(opened.tradeId);
    await h.hub.lifecycle.stop(ownerId, agent.id, { closePosition: false });
    await expect(h.hub.lifecycle.delete(ownerId, agent.id)).rejects.toMatchObject({ name: 'PositionHeldError' });
    expect((await h.hub.agents.list(ownerId)).map((a) => a.id)).toContain(agent.id);
  });

  it('with closing asked for: stops it, closes the position once at the market, then deletes it', async () => {
    const { agent, opened } = await holding('del-closing');
    const events = closeEvents(opened.tradeId);
    const deleted = h.hub.events.waitFor('agent.deleted', (e) => e.agentId === agent.id);
    const result = await h.hub.lifecycle.delete(ownerId, agent.id, { closePosition: true });
    events.off();
    expect(result.agent.name).toBe('del-closing');
    expect(result.closed).toMatchObject({ tradeId: opened.tradeId, status: 'closed', closeReason: 'closed by owner' });
    expect(events.seen).toEqual(['closed by owner']);
    await deleted;
    await expect(h.hub.agents.find(ownerId, agent.id)).rejects.toThrow(/No agent matches/);
    expect(h.runtime.servers.has(agent.id)).toBe(false);
  });
});
