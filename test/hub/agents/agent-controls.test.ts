/**
 * The owner's trading controls through the real hub (lifecycle, settings, directory, paper broker)
 * over the bot harness's in-test agents: a force exit closes the confirmed trade once, whoever
 * else closes it at the same time, and the agent keeps running; pausing is saved first (the
 * broker refuses opens from then on), sent live to a running agent and in every `/start` config.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAgentConfigWire } from '../../../src/hub/agents/agent-view.js';
import { createBotHarness, type BotHarness } from '../../support/bot-harness.js';

let h: BotHarness;
let ownerId: string;
let otherId: string;

beforeAll(async () => {
  h = await createBotHarness();
  ownerId = (await h.hub.users.register(1600, 'Controller')).user.id;
  otherId = (await h.hub.users.register(1601, 'Other')).user.id;
});
afterAll(async () => h?.close());

const open = (agentId: string, side: 'long' | 'short' = 'long') =>
  h.hub.broker.execute(agentId, { idempotencyKey: randomUUID(), action: 'open', side, amountUsdt: 100, reason: 'signal' });

async function runningHolder(name: string) {
  const agent = await h.hub.agents.create(ownerId, { symbol: 'BTCUSDT', amountUsdt: 100, name });
  await h.hub.lifecycle.start(ownerId, agent.id);
  const opened = await open(agent.id);
  return { agent, opened };
}

async function closedTrades(agentId: string): Promise<Array<{ id: string; close_reason: string }>> {
  return h.orm.em.fork().getConnection().execute(`select id, close_reason from trades where agent_id = ? and status = 'closed'`, [agentId]);
}

describe('force exit', () => {
  it('closes a running agent’s position once with reason "force exit"; the agent keeps running', async () => {
    const { agent, opened } = await runningHolder('fx-running');
    const { agent: after, closed } = await h.hub.lifecycle.forceExit(ownerId, 'fx-running', opened.tradeId);
    expect(closed).toMatchObject({ tradeId: opened.tradeId, status: 'closed', replayed: false, closeReason: 'force exit' });
    expect(after).toMatchObject({ status: 'running', position: null });
    expect(h.runtime.servers.has(agent.id)).toBe(true);
    expect(h.hub.lifecycle.handle(agent.id)).toBeDefined();
    expect(await closedTrades(agent.id)).toEqual([{ id: opened.tradeId, close_reason: 'force exit' }]);
    expect(h.hub.hubCloses.has(opened.tradeId)).toBe(true);
    // Asked again (a second tap): nothing more is closed.
    expect((await h.hub.lifecycle.forceExit(ownerId, agent.id, opened.tradeId)).closed).toBeNull();
    expect(await closedTrades(agent.id)).toHaveLength(1);
    await h.hub.lifecycle.stop(ownerId, agent.id);
  });

  it("racing the agent's own close, exactly one closing fill is made", async () => {
    for (let round = 0; round < 5; round++) {
      const { agent, opened } = await runningHolder(`fx-race-${round}`);
      const [own, forced] = await Promise.all([
        h.hub.broker.execute(agent.id, { idempotencyKey: randomUUID(), action: 'close', reason: 'TP hit', tradeId: opened.tradeId }),
        h.hub.lifecycle.forceExit(ownerId, agent.id, opened.tradeId),
      ]);
      expect(await closedTrades(agent.id)).toHaveLength(1);
      const fresh = [own, forced.closed].filter((r) => r && !r.replayed);
      expect(fresh).toHaveLength(1);
      if (forced.closed) expect(forced.closed.price).toBe(own.price);
      expect(forced.agent.status).toBe('running');
      await h.hub.lifecycle.stop(ownerId, agent.id);
    }
  });

  it('a confirmation for a trade closed since never closes the newer position', async () => {
    const { agent, opened } = await runningHolder('fx-stale');
    await h.hub.broker.execute(agent.id, { idempotencyKey: randomUUID(), action: 'close', reason: 'SL hit', tradeId: opened.tradeId });
    const newer = await open(agent.id, 'short');
    const { agent: after, closed } = await h.hub.lifecycle.forceExit(ownerId, agent.id, opened.tradeId);
    expect(closed).toBeNull();
    expect(after.position?.tradeId).toBe(newer.tradeId);
    expect(await closedTrades(agent.id)).toEqual([{ id: opened.tradeId, close_reason: 'sl' }]);
    await h.hub.lifecycle.stop(ownerId, agent.id);
  });

  it('closes the position a stopped agent still holds; it stays stopped', async () => {
    const { agent, opened } = await runningHolder('fx-stopped');
    await h.hub.lifecycle.stop(ownerId, agent.id, { closePosition: false });
    const { agent: after, closed } = await h.hub.lifecycle.forceExit(ownerId, agent.id, opened.tradeId);
    expect(closed).toMatchObject({ tradeId: opened.tradeId, closeReason: 'force exit', replayed: false });
    expect(after).toMatchObject({ status: 'stopped', position: null });
  });

  it("another user's agent answers like a missing one, and nothing is closed", async () => {
    const { agent, opened } = await runningHolder('fx-scoped');
    await expect(h.hub.lifecycle.forceExit(otherId, agent.id, opened.tradeId)).rejects.toThrow(/No agent matches/);
    await expect(h.hub.lifecycle.forceExit(otherId, 'fx-scoped', opened.tradeId)).rejects.toThrow(/No agent matches/);
    expect(await closedTrades(agent.id)).toHaveLength(0);
    await h.hub.lifecycle.forceExit(ownerId, agent.id, opened.tradeId);
    await h.hub.lifecycle.stop(ownerId, agent.id);
  });
});

describe('pause and resume', () => {
  it('a running agent is sent `paused` live; the broker refuses its opens until resumed', async () => {
    const agent = await h.hub.agents.create(ownerId, { symbol: 'BTCUSDT', amountUsdt: 100, name: 'pz-running' });
    await h.hub.lifecycle.start(ownerId, agent.id);
    const paused = await h.hub.settings.setPaused(ownerId, 'pz-running', true);
    expect(paused).toMatchObject({ changed: true, appliedLive: true, notApplied: null, agent: { paused: true, status: 'running' } });
    expect(h.runtime.configs.at(-1)).toEqual({ agentId: agent.id, body: { paused: true } });
    await expect(open(agent.id)).rejects.toMatchObject({ code: 'agent_paused' });
    // Pausing again changes nothing but is sent again (it repairs a delivery that failed).
    expect(await h.hub.settings.setPaused(ownerId, agent.id, true)).toMatchObject({ changed: false, appliedLive: true });
    expect((await h.hub.settings.setPaused(ownerId, agent.id, false)).agent.paused).toBe(false);
    expect(h.runtime.configs.at(-1)).toEqual({ agentId: agent.id, body: { paused: false } });
    await expect(open(agent.id)).resolves.toMatchObject({ status: 'open' });
    await h.hub.lifecycle.stop(ownerId, agent.id);
  });

  it('a stopped agent is not called; paused is in the config its next /start sends', async () => {
    const agent = await h.hub.agents.create(ownerId, { symbol: 'BTCUSDT', amountUsdt: 100, name: 'pz-stopped' });
    const configs = h.runtime.configs.length;
    expect(await h.hub.settings.setPaused(ownerId, agent.id, true)).toMatchObject({ changed: true, appliedLive: false, notApplied: null });
    expect(h.runtime.configs).toHaveLength(configs);
    const view = await h.hub.agents.find(ownerId, agent.id);
    expect(toAgentConfigWire(view)).toMatchObject({ agentId: agent.id, paused: true });
    expect(toAgentConfigWire({ ...view, paused: false }).paused).toBe(false);
  });

  it('an agent that cannot be reached keeps the pause saved (the broker enforces it) and says why', async () => {
    const agent = await h.hub.agents.create(ownerId, { symbol: 'BTCUSDT', amountUsdt: 100, name: 'pz-deaf' });
    await h.hub.lifecycle.start(ownerId, agent.id);
    const server = h.runtime.servers.get(agent.id)!;
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    const change = await h.hub.settings.setPaused(ownerId, agent.id, true);
    expect(change).toMatchObject({ changed: true, appliedLive: false, notApplied: 'the agent did not answer' });
    expect((await h.hub.agents.find(ownerId, agent.id)).paused).toBe(true);
    await expect(open(agent.id)).rejects.toMatchObject({ code: 'agent_paused' });
    await h.hub.lifecycle.stop(ownerId, agent.id);
  });

  it("another user's agent answers like a missing one, and stays as it was", async () => {
    const agent = await h.hub.agents.create(ownerId, { symbol: 'BTCUSDT', amountUsdt: 100, name: 'pz-scoped' });
    await expect(h.hub.settings.setPaused(otherId, agent.id, true)).rejects.toThrow(/No agent matches/);
    await expect(h.hub.settings.setPaused(otherId, 'pz-scoped', true)).rejects.toThrow(/No agent matches/);
    expect((await h.hub.agents.find(ownerId, agent.id)).paused).toBe(false);
  });
});
