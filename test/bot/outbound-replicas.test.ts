/**
 * The outbound queue with several hub replicas on one database (a real PostgreSQL, the Bot API
 * stand-in, a manual clock): every replica's queue writes, only a started one (the leader's)
 * sends; the leader reads what followers wrote when woken (`refresh`), and a row is never sent
 * twice — not by repeated reads, not by a read that overlapped the write marking it sent, not
 * after a leadership change.
 */
import { Api } from 'grammy';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOutboundQueue, type OutboundQueue } from '../../src/bot/outbound-queue.js';
import { createOutboxStore, type OutboxStore } from '../../src/hub/alerts/outbox-store.js';
import type { Orm } from '../../src/db/orm.js';
import { startBotApiServer, type BotApiServer } from '../support/bot-api-server.js';
import { createManualClock, type ManualClock } from '../support/manual-clock.js';
import { createTestOrm } from '../support/db.js';

let orm: Orm;
let closeDb: () => Promise<void>;
let server: BotApiServer;
let clock: ManualClock;
let store: OutboxStore;
const queues: OutboundQueue[] = [];

beforeAll(async () => {
  const t = await createTestOrm('outrep');
  orm = t.orm;
  closeDb = t.close;
});

afterAll(async () => {
  for (const q of queues.splice(0)) await q.stop(1000);
  await server?.close();
  await closeDb();
});

beforeEach(async () => {
  for (const q of queues.splice(0)) await q.stop(1000);
  await server?.close();
  clock = createManualClock();
  server = await startBotApiServer({ now: clock.now });
  await orm.em.getConnection().execute('truncate outbound_messages');
  store = createOutboxStore({ orm });
});

function replica(over: OutboxStore = store): OutboundQueue {
  const q = createOutboundQueue({ store: over, api: new Api('1:test', { apiRoot: server.apiRoot }), clock });
  queues.push(q);
  return q;
}

/** Runs the clock until the queue has nothing waiting. */
async function drain(q: OutboundQueue): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    await q.settled();
    if (q.stats().waiting === 0) return;
    if (!clock.runNext()) return;
  }
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
}

const sentTexts = () => server.succeeded('sendMessage').map((c) => String(c.payload.text));
const pendingRows = async () =>
  Number(
    (
      (await orm.em.getConnection().execute(`select count(*) as n from outbound_messages where status = 'pending'`)) as Array<{ n: string }>
    )[0]!.n,
  );

describe('outbound queue across replicas', () => {
  it("a follower writes but never sends; the leader sends the follower's messages once, however often it is woken", async () => {
    const leader = replica();
    const follower = replica();
    await leader.start();
    await Promise.all([1, 2, 3].map((n) => follower.enqueue({ chatId: 100 + n, text: `from follower ${n}` })));
    await follower.settled();
    expect(follower.stats().waiting).toBe(0);
    expect(await pendingRows()).toBe(3);

    await Promise.all([leader.refresh(), leader.refresh()]);
    await leader.refresh();
    await drain(leader);
    await leader.refresh();
    await drain(leader);
    expect(sentTexts().sort()).toEqual(['from follower 1', 'from follower 2', 'from follower 3']);
    expect(await pendingRows()).toBe(0);
  });

  it('a read that began before a sent mark was written does not send the row again', async () => {
    // The leader's read of pending rows is held after PostgreSQL answered it, until the send and
    // its sent mark are done: the row comes back as pending from a snapshot older than the mark.
    let holding = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held: OutboxStore = {
      ...store,
      async pending(limit) {
        const rows = await store.pending(limit);
        if (holding) await gate;
        return rows;
      },
    };
    const leader = replica(held);
    const follower = replica();
    await leader.start();
    await follower.enqueue({ chatId: 8, text: 'from the follower' });
    holding = true;
    // Written and admitted; its send starts at once (the chat's first message).
    await leader.enqueue({ chatId: 7, text: 'only once' });
    const reading = leader.refresh();
    await until(async () => sentTexts().includes('only once') && (await pendingRows()) === 1);
    release();
    await reading;
    await drain(leader);
    expect(sentTexts().sort()).toEqual(['from the follower', 'only once']);
    expect(await pendingRows()).toBe(0);
  });

  it('a leader that stops leaves its unsent rows to the next one; started again it does not resend what was sent meanwhile', async () => {
    const first = replica();
    const second = replica();
    await first.start();
    await first.enqueue({ chatId: 1, text: 'sent by first' });
    await drain(first);
    // Telegram floods the first leader: its message stays pending when it loses leadership.
    server.failNext({ code: 429, retryAfter: 600, method: 'sendMessage', times: 100 });
    await first.enqueue({ chatId: 2, text: 'pending at the handover' });
    await first.settled();
    await first.stop(1000);
    expect(await pendingRows()).toBe(1);

    await second.start();
    await drain(second);
    await second.stop(1000);
    await first.start();
    await drain(first);
    // (The handed-over message says how late it is, below its text.)
    expect(sentTexts().map((t) => t.split('\n')[0])).toEqual(['sent by first', 'pending at the handover']);
  });
});
