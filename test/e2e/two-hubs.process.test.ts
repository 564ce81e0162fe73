/**
 * Two hubs, one database: two real hub processes (test/support/two-hubs.ts) with the simulated
 * market, a Bot API stand-in each and an anvil node for the chain outbox.
 *
 * - Exactly one replica (the leader) polls Telegram; the other only serves.
 * - Alerts that originate on the follower (its broker filled the order an agent pushed there)
 *   are written there and sent by the leader, once.
 * - The leader is killed (SIGKILL) while it holds work: its sends answer 429 and the chain does
 *   not mine, so alerts wait in the outbox and chain entries sit signed in `sending`. The
 *   survivor polls Telegram within 10 s, sends every pending alert and drains the chain outbox:
 *   no alert twice (per outbox row, across both stand-ins), no chain entry twice (events on
 *   chain = outbox rows), no trade lost (every fill the brokers answered is in the database).
 */
import { Contract, JsonRpcProvider, type EventLog } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../src/hub/chain/contracts.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { closeOrder, openOrder, startTwoHubs, type TwoHubs } from '../support/two-hubs.js';
import { waitUntil } from '../support/wait.js';

let db: TestDatabase;
let cluster: TwoHubs;

async function anvilRpc(method: string, params: unknown[] = []): Promise<void> {
  const res = await fetch(cluster.anvil.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
}

async function count(query: string): Promise<number> {
  const rows = await cluster.sql<{ n: number }>(query);
  return Number(rows[0]!.n);
}

beforeAll(async () => {
  db = await createTestDatabase('twohubs');
  cluster = await startTwoHubs(db.url);
}, 120_000);

afterAll(async () => {
  await cluster?.close();
  await db?.drop();
});

describe('two hubs on one database', () => {
  it('one leader polls and sends; after kill -9 the other takes over without sending anything twice or losing a trade', async () => {
    // Booted together: whichever wins the lock leads (a is the leader below, b the follower).
    const booted = await Promise.all([cluster.spawn('one'), cluster.spawn('two')]);
    const roles = await Promise.all(booted.map(async (r) => (await cluster.health(r.hub)).role));
    expect([...roles].sort()).toEqual(['follower', 'leader']);
    const [a, b] = roles[0] === 'leader' ? booted : [booted[1]!, booted[0]!];
    expect(await cluster.health(a.hub)).toMatchObject({ role: 'leader', replica: a.name });
    expect(await cluster.health(b.hub)).toMatchObject({ role: 'follower', replica: b.name });
    await waitUntil(() => a.telegram.callsTo('getUpdates').length > 1, 10_000, 'the leader to poll Telegram');
    expect(b.telegram.callsTo('getUpdates')).toEqual([]);
    expect(b.telegram.callsTo('deleteWebhook')).toEqual([]);

    // Four traders with an agent each; the agents' orders are pushed to either hub.
    const agents: string[] = [];
    for (let i = 0; i < 4; i++) {
      const ownerId = await a.hub.register(7100 + i, `Trader ${i}`);
      agents.push((await a.hub.create(ownerId, { name: `agent-${i}`, symbol: 'BTCUSDT', amountUsdt: 100 })).id);
    }
    await cluster.sql(`update agents set status = 'running' where id = any($1)`, [agents]);
    const fills: string[] = [];

    // Alerts enqueued on the follower are sent by the leader, once.
    for (const id of agents.slice(0, 2)) fills.push((await b.hub.order(id, openOrder())).tradeId);
    await waitUntil(
      async () => (await count(`select count(*) as n from outbound_messages where status = 'sent'`)) === 2,
      10_000,
      'the leader to send the follower alerts',
    );
    expect(a.telegram.succeeded('sendMessage')).toHaveLength(2);
    expect(b.telegram.calls.filter((c) => c.method === 'sendMessage')).toEqual([]);

    // The leader holds work when it dies: Telegram floods it, the chain stops mining.
    a.telegram.failNext({ code: 429, retryAfter: 120, method: 'sendMessage', times: 10_000 });
    await anvilRpc('evm_setAutomine', [false]);
    for (const id of agents.slice(2)) fills.push((await a.hub.order(id, openOrder())).tradeId);
    fills.push((await b.hub.order(agents[0]!, closeOrder())).tradeId);
    await waitUntil(
      async () =>
        (await count(`select count(*) as n from chain_outbox where status = 'sending' and tx_hash is not null`)) > 0 &&
        a.telegram.callsTo('sendMessage').some((c) => c.status === 429),
      15_000,
      'signed chain entries and refused sends on the leader',
    );
    expect(await count(`select count(*) as n from outbound_messages where status = 'pending'`)).toBeGreaterThanOrEqual(3);

    await a.hub.kill();
    // An order lands on the survivor around the kill.
    fills.push((await b.hub.order(agents[1]!, closeOrder())).tradeId);
    await anvilRpc('evm_setAutomine', [true]);
    await anvilRpc('evm_mine');

    await waitUntil(() => b.telegram.callsTo('getUpdates').length > 0, 10_000, 'the survivor to poll Telegram');
    expect(await cluster.health(b.hub)).toMatchObject({ role: 'leader', replica: b.name });
    await waitUntil(
      async () =>
        (await count(`select count(*) as n from outbound_messages where status <> 'sent'`)) === 0 &&
        (await count(`select count(*) as n from chain_outbox where status <> 'sent'`)) === 0,
      30_000,
      'the survivor to send every pending alert and drain the chain outbox',
    );

    // No trade lost: every fill a broker answered is stored (4 opens, 2 of them closed since).
    const trades = await cluster.sql<{ id: string; status: string }>(`select id, status from trades order by opened_at`);
    expect(new Set(trades.map((t) => t.id))).toEqual(new Set(fills));
    expect(trades.filter((t) => t.status === 'closed')).toHaveLength(2);

    // No alert twice, none lost: each outbox row went out in exactly one successful sendMessage.
    const rows = await cluster.sql<{ id: string; text: string; event_type: string }>(`select id, text, event_type from outbound_messages`);
    expect(rows.filter((r) => r.event_type === 'trade.opened')).toHaveLength(4);
    expect(rows.filter((r) => r.event_type === 'trade.closed')).toHaveLength(2);
    const sends = cluster.sends();
    const timesSent = rows.map((r) => sends.filter((s) => s.text.includes(r.text)).length);
    expect(timesSent).toEqual(rows.map(() => 1));
    expect(sends.filter((s) => s.replica === b.name).length).toBeGreaterThan(0);

    // No chain entry twice: one TradeLogged event per outbox row (4 opens + 2 closes), each its own tx.
    const chainRows = await cluster.sql<{ tx_hash: string }>(`select tx_hash from chain_outbox`);
    expect(chainRows).toHaveLength(6);
    expect(new Set(chainRows.map((r) => r.tx_hash)).size).toBe(6);
    const provider = new JsonRpcProvider(cluster.anvil.rpcUrl, 133, { staticNetwork: true });
    try {
      const logger = new Contract(cluster.addresses.tradeLogger, loadArtifact('TradeLogger').abi, provider);
      const events = (await logger.queryFilter('TradeLogged', 0)) as EventLog[];
      expect(events).toHaveLength(6);
      expect(new Set(events.map((e) => e.transactionHash))).toEqual(new Set(chainRows.map((r) => r.tx_hash)));
    } finally {
      provider.destroy();
    }
  }, 120_000);
});
