/**
 * The event bridge against the real PostgreSQL: two replicas (two HubEvents, two bridges, their
 * own sessions) on one database. Events cross, a replica never re-emits its own, remote events
 * reach cluster-wide listeners only, a payload over NOTIFY's 8000 bytes arrives whole, order is
 * kept, and the LISTEN session comes back after its backend is terminated.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEventBridge, type EventBridge } from '../../../src/hub/cluster/event-bridge.js';
import { HubEvents, type HubEventMap } from '../../../src/hub/events.js';
import { createLogger } from '../../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

const logger = createLogger({ level: 'silent' });
const ref = { agentId: '00000000-0000-4000-8000-000000000001', ownerId: 'owner-1', agentName: 'alpha' };

let db: TestDatabase;
let eventsA: HubEvents;
let eventsB: HubEvents;
let bridgeA: EventBridge;
let bridgeB: EventBridge;

beforeAll(async () => {
  db = await createTestDatabase('bridge');
  eventsA = new HubEvents();
  eventsB = new HubEvents();
  // A private channel: other test files' hubs on the same server never cross into this one.
  const channel = `artic_events_${db.name}`;
  bridgeA = await startEventBridge({ databaseUrl: db.url, events: eventsA, replicaId: 'hub-a', logger, channel });
  bridgeB = await startEventBridge({ databaseUrl: db.url, events: eventsB, replicaId: 'hub-b', logger, channel });
});

afterAll(async () => {
  await bridgeA?.stop();
  await bridgeB?.stop();
  await db?.drop();
});

function collect<K extends keyof HubEventMap>(events: HubEvents, name: K, local = false): HubEventMap[K][] {
  const seen: HubEventMap[K][] = [];
  if (local) events.onLocal(name, (data) => seen.push(data));
  else events.on(name, (data) => seen.push(data));
  return seen;
}

describe('event bridge', () => {
  it('re-emits an event of replica A on B, to cluster-wide listeners only, and never back on A', async () => {
    const onB = collect(eventsB, 'agent.deleted');
    const localOnB = collect(eventsB, 'agent.deleted', true);
    const onA = collect(eventsA, 'agent.deleted');
    const arrived = eventsB.waitFor('agent.deleted', (e) => e.agentId === ref.agentId, 5000);
    eventsA.emit('agent.deleted', ref);
    await expect(arrived).resolves.toEqual(ref);
    await bridgeA.drain();
    // A marker from B back to A proves A's own event would have arrived by now.
    const marker = eventsA.waitFor('agent.starting', () => true, 5000);
    eventsB.emit('agent.starting', ref);
    await marker;
    expect(onB).toEqual([ref]);
    expect(localOnB).toEqual([]);
    expect(onA).toEqual([ref]); // once: its own emit, not a second time from the database
    expect(bridgeA.stats.received).toBeGreaterThanOrEqual(1);
  });

  it('delivers an agent.log batch larger than a NOTIFY payload whole, in order with its neighbours', async () => {
    const entries = Array.from({ length: 400 }, (_, seq) => ({
      seq,
      level: 'info' as const,
      message: `line ${seq} ${'é€'.repeat(20)} ${'x'.repeat(40)}`,
      ts: new Date(1_700_000_000_000 + seq).toISOString(),
    }));
    expect(Buffer.byteLength(JSON.stringify(entries))).toBeGreaterThan(30_000);
    const order: string[] = [];
    let big: HubEventMap['agent.log'] | undefined;
    eventsB.on('agent.status', (e) => order.push(`status ${e.status.lastAction}`));
    eventsB.on('agent.log', (e) => {
      order.push('log');
      big = e;
    });
    const done = eventsB.waitFor('agent.status', (e) => e.status.lastAction === 'after', 5000);
    const status = (lastAction: string) =>
      ({
        ...ref,
        status: {
          state: 'running',
          price: 1,
          position: null,
          unrealizedPnl: 0,
          realizedPnl: 0,
          strategy: null,
          lastAction,
          ts: new Date().toISOString(),
        },
      }) as unknown as HubEventMap['agent.status'];
    eventsA.emit('agent.status', status('before'));
    eventsA.emit('agent.log', { ...ref, entries });
    eventsA.emit('agent.status', status('after'));
    await done;
    expect(order).toEqual(['status before', 'log', 'status after']);
    expect(big?.entries).toEqual(entries);
  });

  it('packs many small events into few NOTIFYs', async () => {
    await bridgeA.drain(); // what earlier tests published is counted first
    const before = { ...bridgeA.stats };
    const all = eventsB.waitFor('agent.starting', (e) => e.agentName === 'last', 5000);
    for (let i = 0; i < 200; i++) eventsA.emit('agent.starting', { ...ref, agentName: i === 199 ? 'last' : `n${i}` });
    await all;
    await bridgeA.drain(); // B may hear the last NOTIFY before A's query returns and counts it
    const events = bridgeA.stats.published - before.published;
    const notifies = bridgeA.stats.notifies - before.notifies;
    expect(events).toBe(200);
    expect(notifies).toBeLessThan(20);
  });

  it('listens again after its session is terminated, and signals the gap', async () => {
    const pid = bridgeB.listenerPid!;
    let gaps = 0;
    eventsB.onRemoteGap(() => gaps++);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query('select pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
    await expect.poll(() => bridgeB.reconnects, { timeout: 10_000 }).toBe(1);
    await bridgeB.listening();
    expect(bridgeB.listenerPid).not.toBe(pid);
    expect(gaps).toBe(1);
    const arrived = eventsB.waitFor('agent.failed', (e) => e.reason === 'after reconnect', 5000);
    eventsA.emit('agent.failed', { ...ref, reason: 'after reconnect' });
    await expect(arrived).resolves.toMatchObject({ reason: 'after reconnect' });
  });
});
