/** The door to `order_intents` (src/hub/broker/intents.ts): reads by id, the lock and its refresh. */
import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { lockAgentRow } from '../../../src/hub/agents/position-store.js';
import { intentById, lockIntent, pendingIntentOf, settleIntent, writeIntent } from '../../../src/hub/broker/intents.js';
import { brokerFixtureForFile } from './fixtures.js';

const file = brokerFixtureForFile('intents');
const fork = () => file.fx.orm.em.fork() as EntityManager;

/** A committed pending intent of a new agent; returns its id and the agent's. */
async function pendingIntent(): Promise<{ intentId: string; agentId: string }> {
  const agentId = await file.fx.agent(file.owner);
  const key = crypto.randomUUID();
  const intentId = await fork().transactional(async (tx) => {
    const agent = (await lockAgentRow(tx, agentId))!;
    const order = { idempotencyKey: key, action: 'open' as const, side: 'long' as const, reason: 'signal' };
    const request = { symbol: 'BTCUSDT', side: 'BUY' as const, quantity: 1, clientOrderId: key };
    return (await writeIntent(tx, agent, order, request, crypto.randomUUID(), null)).id;
  });
  return { intentId, agentId };
}

describe('the order intents door', () => {
  it('reads an intent by id, and throws for an unknown one', async () => {
    const { intentId, agentId } = await pendingIntent();
    expect(await intentById(fork(), intentId)).toMatchObject({ id: intentId, agentId, status: 'pending' });
    expect((await pendingIntentOf(fork(), agentId))?.id).toBe(intentId);
    await expect(intentById(fork(), crypto.randomUUID())).rejects.toThrow();
  });

  it('locks the intent until the transaction ends; refresh re-reads a row this EntityManager already holds', async () => {
    const { intentId } = await pendingIntent();
    const other = new pg.Client({ connectionString: file.fx.url });
    await other.connect();
    try {
      await fork().transactional(async (tx) => {
        const held = await intentById(tx, intentId);
        await other.query(`update order_intents set error = 'changed meanwhile' where id = $1`, [intentId]);
        const locked = await lockIntent(tx, intentId, true);
        expect(locked).toBe(held);
        expect(locked.error).toBe('changed meanwhile');
        await expect(other.query('select id from order_intents where id = $1 for update nowait', [intentId])).rejects.toMatchObject({
          code: '55P03',
        });
        await settleIntent(tx, locked, 'failed', 'refused');
      });
      const [row] = (await other.query('select status, error from order_intents where id = $1', [intentId])).rows;
      expect(row).toEqual({ status: 'failed', error: 'refused' });
    } finally {
      await other.end();
    }
  });
});
