/**
 * MAX_AGENTS_PER_USER and MAX_RUNNING_AGENTS_PER_USER through the hub as it is built from the
 * config (agents run in the in-test runtime): refusals are clear, leave nothing half made, hold
 * under concurrency, and do not apply to admins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuotaExceededError } from '../../../src/hub/agents/quotas.js';
import { createBotHarness, type BotHarness } from '../../support/bot-harness.js';

let h: BotHarness;
let admin: string;
let trader: string;
const input = (name: string) => ({ name, symbol: 'BTCUSDT', amountUsdt: 100 });
const count = async (ownerId: string, where = 'true') =>
  Number((await h.orm.em.getConnection().execute(`select count(*)::int as n from agents where owner_id = ? and ${where}`, [ownerId]))[0].n);

beforeAll(async () => {
  h = await createBotHarness({
    env: { ACCESS_MODE: 'open', ADMIN_TELEGRAM_IDS: '8000', MAX_AGENTS_PER_USER: '3', MAX_RUNNING_AGENTS_PER_USER: '2' },
  });
  admin = (await h.hub.users.register(8000, 'Admin')).user.id;
  trader = (await h.hub.users.register(8001, 'Trader')).user.id;
});
afterAll(async () => h?.close());

describe('agent quotas', () => {
  it('refuses the agent over MAX_AGENTS_PER_USER with a clear message and creates nothing, even when requests race', async () => {
    await h.hub.agents.create(trader, input('one'));
    // Two at once for the two places left, then three at once for none: exactly the room there is.
    const pair = await Promise.allSettled([h.hub.agents.create(trader, input('two')), h.hub.agents.create(trader, input('three'))]);
    expect(pair.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const race = await Promise.allSettled([1, 2, 3].map((i) => h.hub.agents.create(trader, input(`extra-${i}`))));
    expect(race.every((r) => r.status === 'rejected' && r.reason instanceof QuotaExceededError)).toBe(true);
    expect((race[0] as PromiseRejectedResult).reason.userMessage).toBe(
      'You have 3 agents, the most this server allows one user. Delete one (/delete) to make room.',
    );
    expect(await count(trader)).toBe(3);
    await expect(h.hub.agents.checkQuota(trader)).rejects.toMatchObject({ userMessage: expect.stringMatching(/^You have 3 agents/) });
  });

  it('lets exactly one of two concurrent creations take the last place', async () => {
    const other = (await h.hub.users.register(8002, 'Other')).user.id;
    await h.hub.agents.create(other, input('a'));
    await h.hub.agents.create(other, input('b'));
    for (let round = 0; round < 3; round++) {
      const results = await Promise.allSettled([
        h.hub.agents.create(other, input(`c-${round}`)),
        h.hub.agents.create(other, input(`d-${round}`)),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(round === 0 ? 1 : 0);
      expect(await count(other)).toBe(3);
    }
  });

  it('refuses a start over MAX_RUNNING_AGENTS_PER_USER, concurrently too, and leaves the refused agent as it was', async () => {
    const agents = await h.hub.agents.list(trader);
    const results = await Promise.allSettled(agents.map((a) => h.hub.lifecycle.start(trader, a.id)));
    const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [[agents[i]!, r.reason] as const] : []));
    expect(refused).toHaveLength(1);
    const [agent, reason] = refused[0]!;
    expect(reason).toBeInstanceOf(QuotaExceededError);
    expect(reason.userMessage).toBe('2 of your agents are running, the most this server allows one user at once. Stop one (/stop) first.');
    expect(await h.hub.agents.find(trader, agent.id)).toMatchObject({ status: 'created', statusReason: null });
    expect(h.runtime.servers.has(agent.id)).toBe(false);
    expect(await count(trader, `status = 'running'`)).toBe(2);

    // Stopping one makes room.
    const running = (await h.hub.agents.list(trader)).find((a) => a.status === 'running')!;
    await h.hub.lifecycle.stop(trader, running.id);
    await expect(h.hub.lifecycle.start(trader, agent.id)).resolves.toMatchObject({ status: 'running' });
    await h.hub.lifecycle.stopAll(trader);
  });

  it('does not apply to admins', async () => {
    for (let i = 0; i < 4; i++) await h.hub.agents.create(admin, input(`admin-${i}`));
    await h.hub.agents.checkQuota(admin);
    const agents = await h.hub.agents.list(admin);
    await Promise.all(agents.map((a) => h.hub.lifecycle.start(admin, a.id)));
    expect(await count(admin, `status = 'running'`)).toBe(4);
    await h.hub.lifecycle.stopAll(admin);
  });
});
