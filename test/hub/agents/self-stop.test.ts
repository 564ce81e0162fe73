/**
 * An agent that ends its own session (status push in state `stopped`): the hub finishes the stop,
 * says why and who ended it on `agent.stopped`, and the owner hears about it exactly once — a
 * self-stop on an engine error as a crash/failure alert with its reason, a drawdown stop as the
 * drawdown alert only, and a stop the owner asked for not at all. Real hub and lifecycle over the
 * bot harness's in-test agents; the alert router with its real preferences.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatAlert } from '../../../src/bot/alert-format.js';
import { createAlertPreferences } from '../../../src/hub/alerts/alert-preferences.js';
import { createAlertRouter, type AlertMessage, type AlertRouter } from '../../../src/hub/alerts/alert-router.js';
import type { HubEventMap } from '../../../src/hub/events.js';
import type { AgentStatus } from '../../../src/shared/wire.js';
import { createBotHarness, type BotHarness } from '../../support/bot-harness.js';

let h: BotHarness;
let ownerId: string;
let router: AlertRouter;
let sent: AlertMessage[];
const stops: Array<HubEventMap['agent.stopped']> = [];

beforeAll(async () => {
  h = await createBotHarness();
  ownerId = (await h.hub.users.register(1400, 'Owner')).user.id;
  h.hub.events.on('agent.stopped', (e) => stops.push(e));
});
afterAll(async () => h?.close());

beforeEach(() => {
  sent = [];
  router = createAlertRouter({
    events: h.hub.events,
    users: h.hub.users,
    preferences: createAlertPreferences({ orm: h.orm }),
    format: formatAlert,
    sink: { enqueue: (m) => sent.push(m) },
  });
  router.start();
});

async function running(name: string, extra: { maxSessionLossPct?: number } = {}) {
  const agent = await h.hub.agents.create(ownerId, { symbol: 'BTCUSDT', amountUsdt: 100, name, ...extra });
  await h.hub.lifecycle.start(ownerId, agent.id);
  return agent;
}

/** What the agent pushes when its engine stops on its own. */
function pushStopped(agent: { id: string; name: string }, lastAction: string, unrealizedPnl = 0): Promise<HubEventMap['agent.stopped']> {
  const stopped = h.hub.events.waitFor('agent.stopped', (e) => e.agentId === agent.id);
  const status: Omit<AgentStatus, 'agentId'> = {
    state: 'stopped',
    price: 65_000,
    position: null,
    unrealizedPnl,
    realizedPnl: 0,
    strategy: null,
    lastAction,
    stale: false,
    simulated: true,
    ts: new Date().toISOString(),
  };
  h.hub.events.emit('agent.status', { agentId: agent.id, ownerId, agentName: agent.name, status });
  return stopped;
}

describe('an agent that stops itself', () => {
  it('on an engine error: the owner gets one alert with the reason, and learns the position is still open', async () => {
    const agent = await running('engine-fail');
    await h.hub.broker.execute(agent.id, { idempotencyKey: randomUUID(), action: 'open', side: 'long', amountUsdt: 100, reason: 'signal' });
    const stopped = await pushStopped(agent, 'STOP: engine error');
    expect(stopped).toMatchObject({ reason: 'engine error', cause: 'self', positionOpen: true });
    expect((await h.hub.agents.find(ownerId, agent.id)).status).toBe('stopped');
    await router.stop();
    const alerts = sent.filter((m) => m.eventType !== 'trade.opened');
    expect(alerts).toEqual([expect.objectContaining({ chatId: 1400, eventType: 'agent.crash', silent: false })]);
    expect(alerts[0]!.text).toContain('stopped itself');
    expect(alerts[0]!.text).toContain('Reason: engine error');
    expect(alerts[0]!.text).toContain('Its position is still open');
  });

  it('on its drawdown limit: only the drawdown alert, not a second one for the stop', async () => {
    const agent = await running('dd-stop', { maxSessionLossPct: 10 });
    const stopped = await pushStopped(agent, 'STOP: drawdown stop: loss 20% of capital ≥ 10% limit', -20);
    expect(stopped).toMatchObject({ cause: 'drawdown', positionOpen: false });
    await router.stop();
    expect(sent.map((m) => m.eventType)).toEqual(['drawdown']);
  });

  it('a stop the owner asked for (or /panic, or a delete) sends no alert', async () => {
    const agent = await running('asked-stop');
    await h.hub.lifecycle.stop(ownerId, agent.id);
    const other = await running('panicked');
    await h.hub.lifecycle.stopAll(ownerId);
    const deleted = await running('deleted');
    await h.hub.lifecycle.delete(ownerId, deleted.id);
    await router.stop();
    expect(stops.filter((e) => [agent.id, other.id, deleted.id].includes(e.agentId)).map((e) => e.cause)).toEqual([
      'owner',
      'owner',
      'owner',
    ]);
    expect(sent).toEqual([]);
  });
});
