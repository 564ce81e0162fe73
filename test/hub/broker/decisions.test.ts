import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSchema, DecisionSchema } from '../../../src/db/entities/index.js';
import { createBroker, type Broker } from '../../../src/hub/broker/broker.js';
import { createDecisionRecorder, latestDecisionAtOrBefore, type DecisionRecorder } from '../../../src/hub/broker/decisions.js';
import { IdempotencyKeyConflictError } from '../../../src/hub/broker/errors.js';
import { hashText } from '../../../src/hub/chain/encoding.js';
import { STRATEGY_INDEX, UNKNOWN_STRATEGY_INDEX } from '../../../src/shared/strategy-names.js';
import type { DecisionPush } from '../../../src/shared/wire.js';
import { createLogger } from '../../../src/logger.js';
import { brokerFixture, failInserts, settablePrices, type BrokerFixture } from './fixtures.js';

let fx: BrokerFixture;
let decisions: DecisionRecorder;
let broker: Broker;
let owner: string;
const prices = settablePrices({ BTCUSDT: 100 });
const key = () => crypto.randomUUID();
const push = (extra: Partial<DecisionPush> = {}): DecisionPush => ({
  idempotencyKey: key(),
  action: 'KEEP',
  strategy: 'momentum',
  confidence: 0.72,
  reasoning: 'Trend intact; ADX 31 and price above the 50 EMA.',
  ...extra,
});

beforeAll(async () => {
  fx = await brokerFixture('decisions');
  owner = await fx.user();
  decisions = createDecisionRecorder({ orm: fx.orm, events: fx.events, directory: fx.directory });
  broker = createBroker({ orm: fx.orm, events: fx.events, prices, feeBps: 0, slippageBps: 0, logger: createLogger({ level: 'silent' }) });
});

afterAll(async () => {
  await fx?.close();
});

async function decisionRecords(agentId: string) {
  return fx.sql<{ payload: Record<string, unknown> }>(
    `select payload from chain_outbox where kind = 'decision' and payload->>'agentId' = ? order by id`,
    [agentId],
  );
}

describe('decision recorder', () => {
  it('stores the full reasoning with its hash, queues the chain record, emits decision.made', async () => {
    const agentId = await fx.agent(owner, { amountUsdt: 100, leverage: 5 });
    // an open long at 100 (qty 5), last price 110 → unrealised +50 on 100 margin = +50 %
    await broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', reason: 'x' });
    await fx.sql('update agents set last_price = 110 where id = ?', [agentId]);
    const p = push();
    const recorded = await decisions.record(agentId, p);
    expect(recorded.replayed).toBe(false);

    const row = await fx.orm.em.fork().findOneOrFail(DecisionSchema, { id: recorded.decisionId });
    expect(row).toMatchObject({
      action: 'KEEP',
      strategy: 'momentum',
      reasoning: p.reasoning,
      reasoningHash: hashText(p.reasoning),
      idempotencyKey: p.idempotencyKey,
    });
    expect(row.confidence).toBeCloseTo(0.72, 12);

    const records = await decisionRecords(agentId);
    expect(records).toHaveLength(1);
    expect(records[0].payload).toMatchObject({
      agentId,
      symbol: 'BTCUSDT',
      action: 'KEEP',
      strategyIndex: STRATEGY_INDEX.momentum,
      confidence: 0.72,
      reasoningHash: hashText(p.reasoning),
    });
    expect(records[0].payload.pnlPct as number).toBeCloseTo(50, 9);

    const made = fx.seen('decision.made').filter((e) => e.agentId === agentId);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ ownerId: owner, action: 'KEEP', strategy: 'momentum', reasoning: p.reasoning });
  });

  it('is idempotent by key: a retry returns the stored decision and emits nothing', async () => {
    const agentId = await fx.agent(owner);
    const p = push({ action: 'PLAN', strategy: 'rsi', confidence: 0.5 });
    const [a, b, c] = await Promise.all([decisions.record(agentId, p), decisions.record(agentId, p), decisions.record(agentId, p)]);
    expect(new Set([a.decisionId, b.decisionId, c.decisionId]).size).toBe(1);
    expect([a, b, c].filter((r) => !r.replayed)).toHaveLength(1);
    expect(await fx.count('decisions', 'agent_id = ?', [agentId])).toBe(1);
    const records = await decisionRecords(agentId);
    expect(records).toHaveLength(1);
    // PLAN has no on-chain code: logged as HOLD with the strategy (alias rsi → rsi_signal), flat → 0 %
    expect(records[0].payload).toMatchObject({ action: 'HOLD', strategyIndex: STRATEGY_INDEX.rsi_signal, pnlPct: 0 });
    expect(fx.seen('decision.made').filter((e) => e.agentId === agentId)).toHaveLength(1);
  });

  it('logs an unknown or missing strategy as the unknown index', async () => {
    const agentId = await fx.agent(owner);
    await decisions.record(agentId, push({ strategy: 'astrology' }));
    await decisions.record(agentId, push({ strategy: null, action: 'CLOSE' }));
    const records = await decisionRecords(agentId);
    expect(records.map((r) => r.payload.strategyIndex)).toEqual([UNKNOWN_STRATEGY_INDEX, UNKNOWN_STRATEGY_INDEX]);
    expect(records[1].payload.action).toBe('CLOSE');
  });

  it('ADJUST_TP_SL moves the open position’s levels (left-out keeps, null clears)', async () => {
    const agentId = await fx.agent(owner);
    await broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', tpPrice: 120, slPrice: 90, reason: 'x' });
    const r1 = await decisions.record(agentId, push({ action: 'ADJUST_TP_SL', tpPrice: 125 }));
    expect(r1).toMatchObject({ tpPrice: 125, slPrice: 90 });
    let agent = await fx.orm.em.fork().findOneOrFail(AgentSchema, { id: agentId });
    expect(agent.position).toMatchObject({ tpPrice: 125, slPrice: 90 });
    await decisions.record(agentId, push({ action: 'ADJUST_TP_SL', tpPrice: 130, slPrice: null }));
    agent = await fx.orm.em.fork().findOneOrFail(AgentSchema, { id: agentId });
    expect(agent.position).toMatchObject({ tpPrice: 130, slPrice: null });
    expect((await decisionRecords(agentId)).map((r) => r.payload.action)).toEqual(['ADJUST_TP_SL', 'ADJUST_TP_SL']);
  });

  it('refuses another agent’s key', async () => {
    const a = await fx.agent(owner);
    const b = await fx.agent(owner);
    const p = push();
    await decisions.record(a, p);
    await expect(decisions.record(b, p)).rejects.toBeInstanceOf(IdempotencyKeyConflictError);
  });

  it('writes the decision, the position change and the outbox entry atomically', async () => {
    const agentId = await fx.agent(owner);
    await broker.execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', tpPrice: 120, slPrice: 90, reason: 'x' });
    const restore = await failInserts(fx, 'chain_outbox');
    try {
      await expect(decisions.record(agentId, push({ action: 'ADJUST_TP_SL', tpPrice: 200 }))).rejects.toThrow(/forced failure/);
    } finally {
      await restore();
    }
    expect(await fx.count('decisions', 'agent_id = ?', [agentId])).toBe(0);
    const agent = await fx.orm.em.fork().findOneOrFail(AgentSchema, { id: agentId });
    expect(agent.position).toMatchObject({ tpPrice: 120, slPrice: 90 });
    expect(fx.seen('decision.made').filter((e) => e.agentId === agentId)).toHaveLength(0);
  });
});

describe('the decision behind a trade', () => {
  it("is the agent's latest decision at or before a time, never another agent's", async () => {
    const agentId = await fx.agent(owner);
    const other = await fx.agent(owner);
    const at = (iso: string) => new Date(iso);
    const recorded: Record<string, string> = {};
    for (const [name, when] of [
      ['early', '2026-01-01T10:00:00Z'],
      ['late', '2026-01-01T11:00:00Z'],
      ['after', '2026-01-01T12:00:00Z'],
    ] as const) {
      recorded[name] = (await decisions.record(agentId, push({ reasoning: name }))).decisionId;
      await fx.sql('update decisions set created_at = ? where id = ?', [at(when), recorded[name]]);
    }
    const other1 = (await decisions.record(other, push())).decisionId;
    await fx.sql('update decisions set created_at = ? where id = ?', [at('2026-01-01T11:30:00Z'), other1]);
    const em = () => fx.orm.em.fork() as EntityManager;
    expect((await latestDecisionAtOrBefore(em(), agentId, at('2026-01-01T11:59:59Z')))?.reasoning).toBe('late');
    expect((await latestDecisionAtOrBefore(em(), agentId, at('2026-01-01T11:00:00Z')))?.id).toBe(recorded.late);
    expect((await latestDecisionAtOrBefore(em(), agentId, at('2026-01-01T10:30:00Z')))?.id).toBe(recorded.early);
    expect(await latestDecisionAtOrBefore(em(), agentId, at('2026-01-01T09:00:00Z'))).toBeNull();
  });
});
