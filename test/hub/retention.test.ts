import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../src/db/orm.js';
import { createAgentDirectory } from '../../src/hub/agents/agent-directory.js';
import { createLogQuery } from '../../src/hub/agents/agent-logs.js';
import { createOutboxStore } from '../../src/hub/alerts/outbox-store.js';
import { createDecisionRecorder } from '../../src/hub/broker/decisions.js';
import { HubEvents } from '../../src/hub/events.js';
import { createRetention, type RetentionTarget } from '../../src/hub/retention.js';
import { createUserService } from '../../src/hub/users.js';
import { createLogger } from '../../src/logger.js';
import { createTestOrm } from '../support/db.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1, 12);
let orm: Orm;
let close: () => Promise<void>;
let agentA: string;
let agentB: string;
const logger = createLogger({ level: 'silent' });
const sql = (query: string, params: unknown[] = []) => orm.em.getConnection().execute<Array<Record<string, string>>>(query, params);
const seqs = async (agentId: string) =>
  (await sql('select seq from log_entries where agent_id = ? order by seq', [agentId])).map((r) => Number(r.seq));
const ago = (days: number) => new Date(NOW - days * DAY);

function targets(days = { logs: 30, outbound: 14, decisions: 365 }): RetentionTarget[] {
  return [
    { table: 'log_entries', days: days.logs, prune: createLogQuery(orm).prune },
    { table: 'outbound_messages', days: days.outbound, prune: createOutboxStore({ orm }).prune },
    { table: 'decisions', days: days.decisions, prune: createDecisionRecorder({ orm, events: new HubEvents() }).prune },
  ];
}

async function seed(): Promise<void> {
  await sql('delete from log_entries');
  await sql('delete from outbound_messages');
  await sql('delete from decisions');
  // A: lines 1-5 are 40 days old, 6 is new. B: its only lines (1-3) are all old.
  for (let seq = 1; seq <= 6; seq++) {
    await sql(`insert into log_entries (agent_id, seq, level, message, ts) values (?, ?, 'info', 'x', ?)`, [
      agentA,
      seq,
      seq === 6 ? ago(1) : ago(40),
    ]);
  }
  for (let seq = 1; seq <= 3; seq++)
    await sql(`insert into log_entries (agent_id, seq, level, message, ts) values (?, ?, 'info', 'x', ?)`, [agentB, seq, ago(50)]);
  for (const [status, days] of [
    ['sent', 20],
    ['failed', 20],
    ['sent', 20],
    ['pending', 20],
    ['sent', 1],
  ] as const) {
    await sql(
      `insert into outbound_messages (chat_id, event_type, text, silent, status, attempts, created_at) values (1, 'notice', 't', false, ?, 0, ?)`,
      [status, ago(days)],
    );
  }
  for (const [i, days] of [400, 400, 400, 10].entries()) {
    await sql(
      `insert into decisions (id, agent_id, action, strategy, confidence, reasoning, reasoning_hash, idempotency_key, created_at) values (gen_random_uuid(), ?, 'KEEP', null, 0.5, 'r', ?, ?, ?)`,
      [agentA, `0x${'0'.repeat(64)}`, `k-${i}`, ago(days)],
    );
  }
}

const count = async (table: string, where = 'true') => Number((await sql(`select count(*) as n from ${table} where ${where}`))[0].n);

beforeAll(async () => {
  ({ orm, close } = await createTestOrm('retention'));
  const owner = (await createUserService({ orm, accessMode: 'open', adminIds: [] }).register(1, 'A')).user.id;
  const dir = createAgentDirectory({ orm, limits: { maxLeverage: 20 } });
  agentA = (await dir.create(owner, { name: 'a', symbol: 'BTCUSDT', amountUsdt: 100 })).id;
  agentB = (await dir.create(owner, { name: 'b', symbol: 'BTCUSDT', amountUsdt: 100 })).id;
});
afterAll(async () => close?.());

describe('retention', () => {
  it("prunes old log lines, sent/failed messages and decisions in batches; keeps new rows, pending messages and each agent's newest line", async () => {
    await seed();
    const retention = createRetention({ targets: targets(), logger, intervalMs: 60_000, batchRows: 2, now: () => NOW });
    expect(await retention.runOnce()).toEqual({ log_entries: 7, outbound_messages: 3, decisions: 3 });
    expect(await seqs(agentA)).toEqual([6]);
    // B's newest line stays although it is old: B's next start counts on from seq 3.
    expect(await seqs(agentB)).toEqual([3]);
    expect(await count('outbound_messages', `status = 'pending'`)).toBe(1);
    expect(await count('outbound_messages')).toBe(2);
    expect(await count('decisions')).toBe(1);
    expect(await retention.runOnce()).toEqual({ log_entries: 0, outbound_messages: 0, decisions: 0 });
  });

  it('bounds the work of one run (batches × rows) and leaves the rest for the next; 0 days keeps everything', async () => {
    await seed();
    const bounded = createRetention({ targets: targets(), logger, intervalMs: 60_000, batchRows: 2, maxBatches: 1, now: () => NOW });
    expect(await bounded.runOnce()).toEqual({ log_entries: 2, outbound_messages: 2, decisions: 2 });
    expect(await bounded.runOnce()).toEqual({ log_entries: 2, outbound_messages: 1, decisions: 1 });

    await seed();
    const keepAll = createRetention({
      targets: targets({ logs: 0, outbound: 0, decisions: 0 }),
      logger,
      intervalMs: 60_000,
      now: () => NOW,
    });
    expect(await keepAll.runOnce()).toEqual({});
    expect(await count('log_entries')).toBe(9);
  });
});
