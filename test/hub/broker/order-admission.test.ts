/**
 * Which agents the broker opens positions for (issue 10 §3): only a running one, checked under
 * the agent row lock, so an open queued behind a stop is refused instead of committing after it.
 * Closes go through whatever the status (the stop itself closes the position).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSchema } from '../../../src/db/entities/index.js';
import { createBroker, type Broker } from '../../../src/hub/broker/broker.js';
import { createLogger } from '../../../src/logger.js';
import { waitUntil } from '../../support/wait.js';
import { brokerFixture, settablePrices, type BrokerFixture } from './fixtures.js';

let fx: BrokerFixture;
let broker: Broker;
let owner: string;
const prices = settablePrices({ BTCUSDT: 100 });
const key = () => crypto.randomUUID();
const open = () => ({ idempotencyKey: key(), action: 'open' as const, side: 'long' as const, reason: 'signal' });

beforeAll(async () => {
  fx = await brokerFixture('admission');
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

afterAll(async () => {
  await fx?.close();
});

describe('the broker opens only for running agents', () => {
  it.each(['created', 'stopping', 'stopped', 'failed'] as const)(
    'refuses an open for a %s agent with 409 agent_not_running; nothing is written',
    async (status) => {
      const agentId = await fx.agent(owner);
      await fx.setStatus(agentId, status);
      const err = (await broker.execute(agentId, open()).catch((e: unknown) => e)) as {
        code?: string;
        httpStatus?: number;
        userMessage?: string;
      };
      expect(err).toMatchObject({ code: 'agent_not_running', httpStatus: 409 });
      expect(err.userMessage).toContain(status);
      expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(0);
      expect(await fx.count('chain_outbox', "payload->>'agentId' = ?", [agentId])).toBe(0);
    },
  );

  it('asks a starting agent to retry (503 agent_starting with Retry-After): its first order may beat the running status by milliseconds', async () => {
    const agentId = await fx.agent(owner);
    await fx.setStatus(agentId, 'starting');
    const err = await broker.execute(agentId, open()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'agent_starting', httpStatus: 503, retryAfterSeconds: 1 });
    await fx.setStatus(agentId, 'running');
    expect(await broker.execute(agentId, open())).toMatchObject({ status: 'open' });
  });

  it('checks the status under the row lock: an open queued behind a stop is refused once the stop commits', async () => {
    const agentId = await fx.agent(owner);
    const stopper = new pg.Client({ connectionString: fx.url });
    await stopper.connect();
    try {
      await stopper.query('begin');
      await stopper.query(`update agents set status = 'stopping' where id = $1`, [agentId]);
      const opening = broker.execute(agentId, open()).catch((e: unknown) => e);
      // The open waits for the stop's row lock, having (maybe) read "running" before it.
      await waitUntil(
        async () =>
          (
            await fx.sql<{ n: number }>(
              `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
            )
          )[0].n > 0,
        5_000,
        'the open to wait for the row lock',
        20,
      );
      await stopper.query('commit');
      expect(await opening).toMatchObject({ code: 'agent_not_running' });
    } finally {
      await stopper.end();
    }
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(0);
    expect((await fx.orm.em.fork().findOneOrFail(AgentSchema, { id: agentId })).position).toBeNull();
  });

  it('closes whatever the status: the stop closes the position while the agent is stopping', async () => {
    const agentId = await fx.agent(owner);
    const first = open();
    const opened = await broker.execute(agentId, first);
    await fx.setStatus(agentId, 'stopping');
    const closed = await broker.execute(agentId, { idempotencyKey: key(), action: 'close', reason: 'stop requested' });
    expect(closed).toMatchObject({ tradeId: opened.tradeId, status: 'closed' });
    await fx.setStatus(agentId, 'stopped');
    // A retry of the open (same key) still answers with its trade, whatever the status now.
    expect(await broker.execute(agentId, first)).toMatchObject({ tradeId: opened.tradeId, replayed: true, status: 'closed' });
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(1);
  });
});
