/**
 * Deleting an agent's record against the broker: the delete locks the agent row and removes the
 * agent with its trades, logs and decisions in one transaction, so a broker commit lands either
 * before it (the delete then sees the position and refuses) or after it (the order finds no agent
 * and writes nothing). Real PostgreSQL; the broker is held mid-transaction by a price lookup that
 * waits for the test.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from '../../../src/hub/broker/broker.js';
import { BrokerAgentNotFoundError } from '../../../src/hub/broker/errors.js';
import type { PriceSource } from '../../../src/hub/broker/price-source.js';
import { createLogger } from '../../../src/logger.js';
import { brokerFixture, type BrokerFixture } from '../broker/fixtures.js';
import { waitUntil } from '../../support/wait.js';

let fx: BrokerFixture;
let broker: Broker;
let owner: string;
const prices = gatedPrices(100);

beforeAll(async () => {
  fx = await brokerFixture('agentdel');
  owner = await fx.user();
  broker = createBroker({
    orm: fx.orm,
    events: fx.events,
    prices,
    feeBps: 10,
    slippageBps: 10,
    directory: fx.directory,
    logger: createLogger({ level: 'silent' }),
  });
});
afterAll(async () => fx?.close());

/** A fixed price whose lookups can be held: the broker asks for it inside its transaction, holding the agent row lock. */
function gatedPrices(price: number): PriceSource & { hold(): Promise<void>; release(): void } {
  let gate: Promise<void> | undefined;
  let open = () => undefined as void;
  let reached = () => undefined as void;
  return {
    hold() {
      gate = new Promise<void>((r) => (open = r));
      return new Promise<void>((r) => (reached = r));
    },
    release() {
      gate = undefined;
      open();
    },
    async price() {
      if (gate) {
        reached();
        await gate;
      }
      return { price, stale: false, at: Date.now(), simulated: false };
    },
  };
}

/** How many sessions of this database wait for a lock (a row lock or an advisory lock). */
async function locksWaited(): Promise<number> {
  const rows = await fx.sql<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
  );
  return Number(rows[0]!.n);
}

async function someoneWaitsOnALock(): Promise<boolean> {
  return (await locksWaited()) > 0;
}

async function seedHistory(agentId: string): Promise<void> {
  await fx.sql(`insert into log_entries (agent_id, seq, level, message, ts) values (?, 1, 'info', 'hello', now())`, [agentId]);
  await fx.sql(
    `insert into decisions (id, agent_id, action, confidence, reasoning, reasoning_hash, idempotency_key, created_at) values (?, ?, 'HOLD', 0.5, 'r', '0x00', ?, now())`,
    [randomUUID(), agentId, randomUUID()],
  );
}

const open = () => ({ idempotencyKey: randomUUID(), action: 'open' as const, side: 'long' as const, amountUsdt: 100, reason: 'signal' });

describe('deleting an agent record', () => {
  it('refuses while the agent holds a position, and deletes it with its trades, logs and decisions once flat', async () => {
    const agentId = await fx.agent(owner);
    await seedHistory(agentId);
    await broker.execute(agentId, open());
    await fx.setStatus(agentId, 'stopped'); // stopped without closing (the broker opens only for running agents)
    await expect(fx.directory.remove(owner, agentId)).rejects.toMatchObject({ name: 'PositionHeldError' });
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(1);
    await broker.execute(agentId, { idempotencyKey: randomUUID(), action: 'close', reason: 'done' });
    await fx.directory.remove(owner, agentId);
    for (const table of ['agents', 'trades', 'log_entries', 'decisions']) {
      const [row] = await fx.sql<{ n: number }>(
        `select count(*)::int as n from ${table} where ${table === 'agents' ? 'id' : 'agent_id'} = ?`,
        [agentId],
      );
      expect({ table, n: Number(row!.n) }).toEqual({ table, n: 0 });
    }
  });

  it('a stop and delete during a broker open held mid-transaction wait for it, then see its position and refuse', async () => {
    const agentId = await fx.agent(owner);
    const reached = prices.hold();
    const opening = broker.execute(agentId, open());
    await reached; // the broker holds the agent row lock and waits for its price
    // The owner stops the agent, then deletes it: the stop's status write waits for the open's row
    // lock, so the delete reads the row after the open committed.
    const deleting = (async () => {
      await fx.setStatus(agentId, 'stopped');
      return fx.directory.remove(owner, agentId);
    })();
    deleting.catch(() => undefined);
    await waitUntil(someoneWaitsOnALock, 5_000, 'the stop to wait for the row lock');
    prices.release();
    const opened = await opening;
    await expect(deleting).rejects.toMatchObject({ name: 'PositionHeldError' });
    expect(await fx.count('trades', "agent_id = ? and status = 'open'", [agentId])).toBe(1);
    const [agent] = await fx.sql<{ position: { tradeId: string } }>('select position from agents where id = ?', [agentId]);
    expect(agent!.position.tradeId).toBe(opened.tradeId);
  });

  it('a broker open that comes while the delete holds the row waits, then finds the agent gone: no orphan trade', async () => {
    const agentId = await fx.agent(owner);
    await fx.setStatus(agentId, 'stopped');
    await fx.directory.ref(agentId); // the broker's existence check passes from its cache
    // Holds the delete inside its transaction, after it took the row, until the test releases an advisory lock.
    await fx.sql(
      `create or replace function artic_test_hold() returns trigger language plpgsql as $$ begin perform pg_advisory_xact_lock(4242); return old; end $$`,
    );
    await fx.sql(`create trigger artic_test_hold before delete on agents for each row execute function artic_test_hold()`);
    let releaseHolder = () => undefined as void;
    const holderReady = new Promise<void>((ready) => {
      const released = new Promise<void>((r) => (releaseHolder = r));
      void fx.orm.em.fork().transactional(async (em) => {
        await (em as EntityManager).execute('select pg_advisory_xact_lock(4242)');
        ready();
        await released;
      });
    });
    try {
      await holderReady;
      const deleting = fx.directory.remove(owner, agentId);
      await waitUntil(someoneWaitsOnALock, 5_000, 'the delete to wait inside its transaction');
      const opening = broker.execute(agentId, open());
      opening.catch(() => undefined);
      await waitUntil(async () => (await locksWaited()) >= 2, 5_000, 'the open to wait for the row lock');
      releaseHolder();
      await deleting;
      await expect(opening).rejects.toBeInstanceOf(BrokerAgentNotFoundError);
    } finally {
      releaseHolder();
      await fx.sql('drop trigger artic_test_hold on agents');
    }
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(0);
    const [outbox] = await fx.sql<{ n: number }>(`select count(*)::int as n from chain_outbox where payload->>'agentId' = ?`, [agentId]);
    expect(Number(outbox!.n)).toBe(0);
  });
});
