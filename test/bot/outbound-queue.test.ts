/**
 * The outbound queue against the local Bot API stand-in and a real database, on a manual
 * clock: pacing (per chat and overall), 429 retry_after, merged bursts, persistence across a
 * restart with the delay note, 403 → failed; and the queues of several hub replicas on one
 * database (only the leader's sends, each row once).
 */
import { Api } from 'grammy';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../support/manual-clock.js';
import { createOutboundQueue, type OutboundQueue, type OutboundQueueOptions } from '../../src/bot/outbound-queue.js';
import { createOutboxStore, type OutboxStore } from '../../src/hub/alerts/outbox-store.js';
import type { Orm } from '../../src/db/orm.js';
import { startBotApiServer, type BotApiServer } from '../support/bot-api-server.js';
import { createTestOrm } from '../support/db.js';

let orm: Orm;
let closeDb: () => Promise<void>;
let server: BotApiServer;
let clock: ManualClock;
let store: OutboxStore;
const queues: OutboundQueue[] = [];

beforeAll(async () => {
  const t = await createTestOrm('outq');
  orm = t.orm;
  closeDb = t.close;
});

afterAll(async () => {
  await closeDb();
});

beforeEach(async () => {
  for (const q of queues.splice(0)) await q.stop(1000);
  await server?.close();
  clock = createManualClock();
  server = await startBotApiServer({ now: clock.now });
  await orm.em.getConnection().execute('truncate outbound_messages');
  store = createOutboxStore({ orm });
  dispatched = [];
});

/** [chatId, clock time] of every sendMessage the queue started (the server sees it later). */
let dispatched: Array<[number, number]> = [];

function makeQueue(overrides: Partial<OutboundQueueOptions> = {}): OutboundQueue {
  const api = new Api('1:test', { apiRoot: server.apiRoot });
  const recording: OutboundQueueOptions['api'] = {
    sendMessage: (chatId, ...rest) => {
      dispatched.push([Number(chatId), clock.now()]);
      return api.sendMessage(chatId, ...rest);
    },
  };
  const q = createOutboundQueue({ store, api: recording, clock, ...overrides });
  queues.push(q);
  return q;
}

/** Runs the clock timer by timer until nothing waits (or `until` ms of fake time passed). */
async function drain(q: OutboundQueue, until = 10 * 60_000): Promise<void> {
  const stopAt = clock.now() + until;
  for (let i = 0; i < 100_000; i++) {
    await q.settled();
    if (q.stats().waiting === 0) return;
    const next = clock.nextAt();
    if (next === undefined || next > stopAt) return;
    clock.runNext();
  }
  throw new Error('queue did not drain');
}

const sends = () => server.callsTo('sendMessage');

describe('outbound queue pacing', () => {
  it('never sends more than 25 messages in any second overall', async () => {
    const q = makeQueue();
    await q.start();
    await Promise.all(Array.from({ length: 80 }, (_, i) => q.enqueue({ chatId: 1000 + i, text: `alert ${i}` })));
    await drain(q);
    const at = dispatched.map(([, t]) => t);
    expect(at).toHaveLength(80);
    for (let i = 0; i < at.length; i++) {
      const inWindow = at.filter((t) => t >= at[i]! && t < at[i]! + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(25);
    }
    // Spread evenly (40 ms apart), and not slower than it must be: 80 at 25/s take 3.2 s.
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(40);
    expect(at.at(-1)! - at[0]!).toBeLessThanOrEqual(80 * 40);
    expect(new Set(sends().map((c) => c.payload.text))).toHaveLength(80);
    expect(await store.counts()).toEqual({ pending: 0, sent: 80, failed: 0 });
  });

  it('keeps at least a second between two messages to one chat', async () => {
    const q = makeQueue();
    await q.start();
    for (let i = 0; i < 6; i++) {
      await q.enqueue({ chatId: 42, text: `tick ${i}` });
      await q.settled();
      clock.advance(300);
    }
    await drain(q);
    const at = dispatched.map(([, t]) => t);
    expect(at.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(1000);
    // Nothing lost: every tick is in some message.
    const all = sends()
      .map((c) => String(c.payload.text))
      .join('\n');
    for (let i = 0; i < 6; i++) expect(all).toContain(`tick ${i}`);
    expect(await store.counts()).toEqual({ pending: 0, sent: 6, failed: 0 });
  });

  it('gives groups (negative chat ids) three seconds between messages', async () => {
    const q = makeQueue();
    await q.start();
    await q.enqueue({ chatId: -100123, text: 'first' });
    await q.settled();
    await q.enqueue({ chatId: -100123, text: 'second' });
    await drain(q);
    const at = sends().map((c) => c.at);
    expect(at).toHaveLength(2);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(3000);
  });
});

describe('merging bursts', () => {
  it('merges alerts that pile up for one chat into one message with a count of the rest', async () => {
    const q = makeQueue({ maxMergedTexts: 3 });
    await q.start();
    await q.enqueue({ chatId: 7, text: 'fill 0', eventType: 'trade.opened' });
    await q.settled();
    expect(sends()).toHaveLength(1);
    await Promise.all(Array.from({ length: 8 }, (_, i) => q.enqueue({ chatId: 7, text: `fill ${i + 1}`, eventType: 'trade.opened' })));
    await q.enqueue({ chatId: 7, text: 'decided', eventType: 'decision' });
    await q.settled();
    expect(sends()).toHaveLength(1); // the chat's slot is not free yet
    await drain(q);
    expect(sends()).toHaveLength(2);
    const merged = String(sends()[1]!.payload.text);
    expect(merged).toContain('fill 1');
    expect(merged).toContain('fill 3');
    expect(merged).not.toContain('fill 4');
    expect(merged).toContain('+6 more: 5 fills, 1 decision');
    expect(sends()[1]!.at - sends()[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(q.stats()).toMatchObject({ delivered: 10, merged: 9, sendCalls: 2, failed: 0 });
    expect(await store.counts()).toEqual({ pending: 0, sent: 10, failed: 0 });
  });

  it('is silent only when every merged alert is silent', async () => {
    const q = makeQueue();
    await q.start();
    await q.enqueue({ chatId: 8, text: 'a', silent: true });
    await q.settled();
    await q.enqueue({ chatId: 8, text: 'b', silent: true });
    await q.enqueue({ chatId: 8, text: 'c', silent: false });
    await drain(q);
    expect(sends().map((c) => c.payload.disable_notification)).toEqual([true, false]);
  });

  it('sends merged texts one by one when Telegram refuses the merged message', async () => {
    const q = makeQueue();
    await q.start();
    await q.enqueue({ chatId: 9, text: 'one' });
    await q.settled();
    await q.enqueue({ chatId: 9, text: 'two' });
    await q.enqueue({ chatId: 9, text: 'three' });
    server.failNext({ code: 400, description: "Bad Request: can't parse entities", chatId: 9 });
    await drain(q);
    const ok = server.succeeded('sendMessage').map((c) => c.payload.text);
    expect(ok).toEqual(['one', 'two', 'three']);
  });
});

describe('429 retry_after', () => {
  it('waits retry_after for the chat, then sends; nothing is lost', async () => {
    const q = makeQueue();
    await q.start();
    server.failNext({ code: 429, retryAfter: 3, chatId: 5 });
    const t0 = clock.now();
    await q.enqueue({ chatId: 5, text: 'after the wait' });
    await q.enqueue({ chatId: 6, text: 'other chat' });
    await q.settled();
    clock.advance(40); // the next send is spaced 40 ms after the first
    await q.settled();
    expect(server.succeeded('sendMessage').map((c) => c.chatId)).toEqual(['6']);
    clock.advance(2900);
    await q.settled();
    expect(server.callsTo('sendMessage').filter((c) => c.chatId === '5')).toHaveLength(1);
    await drain(q);
    const ok = server.succeeded('sendMessage').find((c) => c.chatId === '5')!;
    expect(ok.payload.text).toBe('after the wait');
    expect(ok.at - t0).toBeGreaterThanOrEqual(3000);
    expect(q.stats().floodWaits).toBe(1);
    expect(await store.counts()).toEqual({ pending: 0, sent: 2, failed: 0 });
    const [row] = await orm.em.getConnection().execute(`select attempts from outbound_messages where chat_id = 5`);
    expect(row.attempts).toBe(2);
  });

  it('pauses everything when several chats are flooded at once', async () => {
    const q = makeQueue({ maxInFlight: 2 });
    await q.start();
    server.failNext({ code: 429, retryAfter: 5, times: 2 });
    const t0 = clock.now();
    await Promise.all([1, 2, 3, 4].map((n) => q.enqueue({ chatId: 300 + n, text: `m${n}` })));
    await drain(q);
    const calls = sends();
    expect(calls.filter((c) => c.status === 429)).toHaveLength(2);
    // At most one send slipped out between the first and the second 429 (one chat flooded is
    // not yet a global flood); after the second nothing went out until the wait was over.
    const ok = calls.filter((c) => c.status === 200);
    expect(ok.filter((c) => c.at - t0 < 5000).length).toBeLessThanOrEqual(1);
    expect(ok.filter((c) => c.at - t0 >= 5000).length).toBeGreaterThanOrEqual(3);
    expect(ok.map((c) => c.payload.text).sort()).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(await store.counts()).toEqual({ pending: 0, sent: 4, failed: 0 });
  });

  it('lets an editor reserve slots and report 429s through the same limits', async () => {
    const q = makeQueue({ globalPerSecond: 2 });
    await q.start();
    expect(q.tryReserve(1)).toBe(true);
    expect(q.tryReserve(2)).toBe(false); // sends are spread 500 ms apart at 2/s
    clock.advance(500);
    expect(q.tryReserve(1)).toBe(false); // same chat within a second
    expect(q.tryReserve(2)).toBe(true);
    clock.advance(499);
    expect(q.tryReserve(3)).toBe(false); // global window full
    clock.advance(501);
    q.noteRetryAfter(3, 4);
    expect(q.tryReserve(3)).toBe(false);
    clock.advance(4000);
    expect(q.tryReserve(3)).toBe(true);
  });
});

describe('failures and persistence', () => {
  it('marks messages to a chat that blocked the bot as failed and does not retry them', async () => {
    const q = makeQueue();
    await q.start();
    server.block(11);
    await q.enqueue({ chatId: 11, text: 'hello?' });
    await q.enqueue({ chatId: 12, text: 'fine' });
    await drain(q);
    clock.advance(60_000);
    await q.settled();
    expect(server.callsTo('sendMessage').filter((c) => c.chatId === '11')).toHaveLength(1);
    expect(await store.counts()).toEqual({ pending: 0, sent: 1, failed: 1 });
    expect(q.stats().failed).toBe(1);
  });

  it('persists before sending: a new queue on the same database sends what was pending, saying how late', async () => {
    const first = makeQueue();
    // Telegram is down for the first queue's whole life.
    server.failNext({ code: 502, description: 'Bad Gateway', times: 1000 });
    await first.start();
    await first.enqueue({ chatId: 21, text: 'closed BTC +12', eventType: 'trade.closed' });
    await first.enqueue({ chatId: 22, text: 'crashed', eventType: 'agent.crash' });
    await drain(first, 5000);
    await first.stop(1000);
    expect(server.succeeded('sendMessage')).toHaveLength(0);
    expect(await store.counts()).toEqual({ pending: 2, sent: 0, failed: 0 });

    server.reset();
    clock.advance(3 * 60_000);
    const second = makeQueue();
    await second.start();
    await drain(second);
    const texts = server.succeeded('sendMessage').map((c) => String(c.payload.text));
    expect(texts).toHaveLength(2);
    expect(texts.find((t) => t.startsWith('closed BTC +12'))).toMatch(/⏱ delayed 3 min/);
    expect(await store.counts()).toEqual({ pending: 0, sent: 2, failed: 0 });
  });

  it('persists messages enqueued before start and keeps them for the next run when stopped unsent', async () => {
    const q = makeQueue();
    await q.enqueue({ chatId: 31, text: 'queued while starting' });
    await q.stop(1000);
    expect(sends()).toHaveLength(0);
    expect(await store.counts()).toEqual({ pending: 1, sent: 0, failed: 0 });
    const next = makeQueue();
    await next.start();
    await drain(next);
    expect(server.succeeded('sendMessage').map((c) => c.payload.text)).toEqual(['queued while starting']);
  });

  it('enqueue returns without waiting for Telegram', async () => {
    const slow = await startBotApiServer({ now: clock.now, latencyMs: 2000 });
    try {
      const q = makeQueue({ api: new Api('1:test', { apiRoot: slow.apiRoot }) });
      await q.start();
      const started = performance.now();
      await q.enqueue({ chatId: 41, text: 'x' });
      await q.enqueue({ chatId: 41, text: 'y' });
      expect(performance.now() - started).toBeLessThan(1000);
      await q.stop(5000);
    } finally {
      await slow.close();
    }
  });
});

// --- Several hub replicas on one database: every replica's queue writes, only a started one (the
// leader's) sends; the leader reads what followers wrote when woken (`refresh`), and a row is never
// sent twice: not by repeated reads, not by a read that overlapped the write marking it sent, not
// after a leadership change.

function replica(over: OutboxStore = store): OutboundQueue {
  return makeQueue({ store: over });
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
    server.failNext({ code: 429, retryAfter: 600, method: 'sendMessage' });
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
