/**
 * The raw queries of the doors to the `agents` and `log_entries` tables (agent-store.ts,
 * agent-logs.ts, the port allocator's `releaseInactive`), each pinned against real PostgreSQL:
 * what it reads or writes, and that an owner-scoped one leaves other owners' agents alone.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../../src/db/orm.js';
import { createAgentDirectory } from '../../../src/hub/agents/agent-directory.js';
import { appendHubErrorLine, createLogQuery, nextLogSeq, storeLogBatch } from '../../../src/hub/agents/agent-logs.js';
import * as agentStore from '../../../src/hub/agents/agent-store.js';
import { createPortAllocator } from '../../../src/hub/agents/port-allocator.js';
import { createUserService } from '../../../src/hub/users.js';
import { WIRE_LIMITS, type LogEntryWire } from '../../../src/shared/wire.js';
import { createTestOrm } from '../../support/db.js';

let orm: Orm;
let close: () => Promise<void>;
let owner: string;
let other: string;
const em = () => orm.em.fork() as EntityManager;

beforeAll(async () => {
  ({ orm, close } = await createTestOrm('store'));
  const users = createUserService({ orm, accessMode: 'open', adminIds: [] });
  owner = (await users.register(1, 'Owner')).user.id;
  other = (await users.register(2, 'Other')).user.id;
});
afterAll(() => close?.());

const create = (ownerId: string, name: string) =>
  createAgentDirectory({ orm, limits: { maxLeverage: 20 } }).create(ownerId, { name, symbol: 'BTCUSDT', amountUsdt: 100 });
const column = async (agentId: string, name: string) =>
  (await orm.em.getConnection().execute(`select ${name} as v from agents where id = ?`, [agentId]))[0].v;

describe('agent records', () => {
  it("finds the owner's agents by name (any case) or id prefix, and never another owner's", async () => {
    const mine = await create(owner, 'Alpha');
    const theirs = await create(other, 'alpha');
    expect(await agentStore.idsByNameOrPrefix(em(), owner, 'ALPHA', false)).toEqual([mine.id]);
    expect(await agentStore.idsByNameOrPrefix(em(), owner, mine.id.slice(0, 6), true)).toEqual([mine.id]);
    // Without byPrefix an id prefix is only a name.
    expect(await agentStore.idsByNameOrPrefix(em(), owner, mine.id.slice(0, 6), false)).toEqual([]);
    expect(await agentStore.idsByNameOrPrefix(em(), other, theirs.id.slice(0, 6), true)).toEqual([theirs.id]);
    expect(await agentStore.idsByNameOrPrefix(em(), other, mine.id.slice(0, 6), true)).not.toContain(mine.id);
    expect(await agentStore.ownerAndName(orm, mine.id)).toEqual({ ownerId: owner, name: 'Alpha' });
    expect(await agentStore.ownerAndName(orm, randomUUID())).toBeUndefined();
  });

  it("counts the owner's agents, active only and without one, and marks only the owner's agent starting", async () => {
    const a = await create(owner, 'count-a');
    const b = await create(owner, 'count-b');
    const before = await agentStore.countOwned(em(), owner, false);
    await agentStore.markStarting(em(), other, a.id); // not theirs: nothing changes
    expect(await column(a.id, 'status')).toBe('created');
    const activeBefore = await agentStore.countOwned(em(), owner, true);
    await agentStore.markStarting(em(), owner, a.id);
    await agentStore.markStarting(em(), owner, b.id);
    expect(await column(a.id, 'status')).toBe('starting');
    expect(await agentStore.countOwned(em(), owner, true)).toBe(activeBefore + 2);
    expect(await agentStore.countOwned(em(), owner, true, a.id)).toBe(activeBefore + 1);
    expect(await agentStore.countOwned(em(), owner, false)).toBe(before);
    expect(await agentStore.countOwned(em(), owner, false, b.id)).toBe(before - 1);
  });

  it('moves stored TP/SL levels only while the position is the trade named', async () => {
    const agent = await create(owner, 'levels');
    const tradeId = randomUUID();
    const position = {
      tradeId,
      side: 'long' as const,
      qty: 1,
      entryPrice: 100,
      leverage: 5,
      margin: 20,
      liquidationPrice: null,
      tpPrice: 110,
      slPrice: 95,
      openedAt: new Date().toISOString(),
    };
    await agentStore.updateById(orm, agent.id, { position });
    await agentStore.moveStoredLevels(em(), agent.id, { tpPrice: 120, slPrice: 90 }, randomUUID());
    expect((await agentStore.getById(orm, agent.id)).position).toMatchObject({ tpPrice: 110, slPrice: 95 });
    await agentStore.moveStoredLevels(em(), agent.id, { tpPrice: 120, slPrice: 90 }, tradeId);
    expect((await agentStore.getById(orm, agent.id)).position).toEqual({ ...position, tpPrice: 120, slPrice: 90 });
  });
});

describe('columns other hub parts use', () => {
  it('counts agents per status, every owner', async () => {
    const counts = Object.fromEntries((await agentStore.countByStatus(orm)).map((r) => [r.status, r.n]));
    const [{ n }] = await orm.em.getConnection().execute('select count(*)::int as n from agents');
    expect(Object.values(counts).reduce((s, x) => s + x, 0)).toBe(n);
    expect(counts.starting).toBeGreaterThanOrEqual(2);
  });

  it('writes status rows; a missing strategy or action keeps the one stored', async () => {
    const agent = await create(owner, 'status');
    const ts = new Date().toISOString();
    await agentStore.writeStatusRows(orm, [{ id: agent.id, price: 65_000, upnl: 1.5, strategy: 'ema-cross', action: 'BUY', ts }]);
    await agentStore.writeStatusRows(orm, [{ id: agent.id, price: 65_100, upnl: -2, strategy: null, action: null, ts }]);
    const row = await agentStore.getById(orm, agent.id);
    expect(row).toMatchObject({ lastPrice: 65_100, unrealizedPnl: -2, activeStrategy: 'ema-cross', lastAction: 'BUY' });
    expect(row.lastStatusAt?.toISOString()).toBe(ts);
  });

  it('never overwrites a newer status with an older one (another hub replica wrote it first)', async () => {
    const agent = await create(owner, 'status-order');
    const newer = new Date().toISOString();
    const older = new Date(Date.now() - 5000).toISOString();
    await agentStore.writeStatusRows(orm, [{ id: agent.id, price: 200, upnl: 2, strategy: 'newer', action: 'HOLD', ts: newer }]);
    await agentStore.writeStatusRows(orm, [{ id: agent.id, price: 100, upnl: 1, strategy: 'older', action: 'BUY', ts: older }]);
    const row = await agentStore.getById(orm, agent.id);
    expect(row).toMatchObject({ lastPrice: 200, activeStrategy: 'newer', lastAction: 'HOLD' });
    expect(row.lastStatusAt?.toISOString()).toBe(newer);
  });

  it('reads LLM settings, adds tokens and reads the name only within the owner', async () => {
    const agent = await create(owner, 'llm');
    expect(await agentStore.llmSettings(orm, agent.id)).toEqual({ ownerId: owner, provider: null, model: null });
    expect(await agentStore.llmSettings(orm, randomUUID())).toBeUndefined();
    await agentStore.addLlmTokens(orm, agent.id, owner, 10, 4);
    await Promise.all([agentStore.addLlmTokens(orm, agent.id, owner, 1, 1), agentStore.addLlmTokens(orm, agent.id, owner, 2, 2)]);
    await agentStore.addLlmTokens(orm, agent.id, other, 1000, 1000);
    expect([Number(await column(agent.id, 'llm_prompt_tokens')), Number(await column(agent.id, 'llm_completion_tokens'))]).toEqual([13, 7]);
    expect(await agentStore.nameOf(orm, owner, agent.id)).toBe('llm');
    expect(await agentStore.nameOf(orm, other, agent.id)).toBeUndefined();
  });

  it('reads and bumps the token generation; an unknown agent has none', async () => {
    const agent = await create(owner, 'tokens');
    expect(await agentStore.tokenGeneration(orm, agent.id)).toBe(0);
    expect(await agentStore.bumpTokenGeneration(orm, agent.id)).toBe(1);
    expect(await agentStore.bumpTokenGeneration(orm, agent.id)).toBe(2);
    expect(await agentStore.tokenGeneration(orm, agent.id)).toBe(2);
    expect(await agentStore.tokenGeneration(orm, randomUUID())).toBeUndefined();
    expect(await agentStore.bumpTokenGeneration(orm, randomUUID())).toBeUndefined();
  });

  it('returns to the pool the ports of inactive agents only', async () => {
    const idle = await create(owner, 'port-idle');
    const busy = await create(owner, 'port-busy');
    const ports = createPortAllocator({ orm, range: { from: 21_000, to: 21_009 }, checkHost: false });
    await ports.allocate(idle.id);
    const kept = await ports.allocate(busy.id);
    await agentStore.updateById(orm, idle.id, { status: 'failed' });
    await agentStore.updateById(orm, busy.id, { status: 'running' });
    await ports.releaseInactive();
    expect(await column(idle.id, 'port')).toBeNull();
    expect(await column(busy.id, 'port')).toBe(kept);
  });
});

describe('analytics: capital and the leaderboard opt-in', () => {
  it("sums the capital of the owner's agents, or of one, and nothing of another owner's", async () => {
    const users = createUserService({ orm, accessMode: 'open', adminIds: [] });
    const solo = (await users.register(3, 'Solo')).user.id;
    const dir = createAgentDirectory({ orm, limits: { maxLeverage: 20 } });
    const a = await dir.create(solo, { name: 'cap-a', symbol: 'BTCUSDT', amountUsdt: 250 });
    await dir.create(solo, { name: 'cap-b', symbol: 'BTCUSDT', amountUsdt: 150.5 });
    expect(await agentStore.capitalOfOwned(orm, solo)).toBe(400.5);
    expect(await agentStore.capitalOfOwned(orm, solo, a.id)).toBe(250);
    expect(await agentStore.capitalOfOwned(orm, other, a.id)).toBe(0);
    expect(await agentStore.capitalOfOwned(orm, (await users.register(4, 'Empty')).user.id)).toBe(0);
  });

  it('opts in and out only within the owner; the leaderboard lists opted-in paper agents without owners', async () => {
    const paper = await create(owner, 'lb-paper');
    const live = await create(owner, 'lb-live');
    await agentStore.updateById(orm, live.id, { liveMode: true });
    expect(await agentStore.setLeaderboardOptIn(orm, other, paper.id, true)).toBe(false);
    expect(await column(paper.id, 'leaderboard_opt_in')).toBe(false);
    expect(await agentStore.setLeaderboardOptIn(orm, owner, paper.id, true)).toBe(true);
    expect(await agentStore.setLeaderboardOptIn(orm, owner, live.id, true)).toBe(true);
    expect(await agentStore.leaderboardEntrants(orm)).toEqual([{ id: paper.id, name: 'lb-paper', amountUsdt: 100 }]);
    expect(await agentStore.optOutAllOwned(orm, other)).toEqual([]);
    expect(await agentStore.optOutAllOwned(orm, owner)).toEqual(['lb-live', 'lb-paper']);
    expect(await agentStore.leaderboardEntrants(orm)).toEqual([]);
  });
});

describe('agent log lines', () => {
  const line = (seq: number, message = `line ${seq}`): LogEntryWire => ({ seq, level: 'info', message, ts: new Date().toISOString() });

  it("stores a batch once per seq, counts on after the newest line, and appends the hub's error line after it", async () => {
    const agent = await create(owner, 'logs');
    expect(await nextLogSeq(orm, agent.id)).toBe(1);
    expect([...(await storeLogBatch(orm, agent.id, [line(1), line(2)]))]).toEqual([1, 2]);
    expect([...(await storeLogBatch(orm, agent.id, [line(2, 'again'), line(3)]))]).toEqual([3]);
    expect(await nextLogSeq(orm, agent.id)).toBe(4);
    await appendHubErrorLine(orm, agent.id, `crashed: ${'x'.repeat(10_000)}`);
    const [last] = await createLogQuery(orm).recent(agent.id, 1);
    expect(last).toMatchObject({ seq: 4, level: 'error' });
    expect(last!.message.startsWith('crashed: x')).toBe(true);
    expect(last!.message).toHaveLength(WIRE_LIMITS.maxLogMessageChars);
    expect((await createLogQuery(orm).recent(agent.id, 10)).map((e) => e.message).slice(0, 3)).toEqual(['line 1', 'line 2', 'line 3']);
  });
});
