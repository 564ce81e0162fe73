/**
 * The outbound queue's side in PostgreSQL (outbound_messages, through the hub's outbox store):
 * every message is written before it may be sent, so a restart or an outage loses none.
 * Enqueues made in the same turn of the event loop become one insert; when the database refuses,
 * messages are sent from memory rather than lost. Status updates after a send are fire-and-forget
 * (a failure is logged; the row stays pending and is sent again after a restart).
 */
import type { OutboxStore } from '../../hub/alerts/outbox-store.js';
import type { Logger } from '../../logger.js';
import type { PendingWork } from '../pending-work.js';
import type { ChatLanes, Item } from './chat-lanes.js';

export interface OutboxSyncDeps {
  store: OutboxStore;
  /** Where written (or, when the database refused, unwritten) messages go to be sent. */
  lanes: Pick<ChatLanes, 'admit' | 'nextSeq'>;
  work: PendingWork;
  /** Runs after each batched write (the queue looks for something to send). */
  afterFlush(): void;
  logger?: Logger;
}

export interface OutboxSync {
  /** Buffers `item`; resolves once its batch is written (or writing failed). Never rejects. */
  add(item: Item): Promise<void>;
  /** Writes the buffer, then admits the messages an earlier run left pending. Rejects when the database does. */
  loadPending(): Promise<void>;
  /** Writes what is buffered (at stop). Never rejects. */
  flush(): Promise<void>;
  /** Resolves when the database work queued so far is done. */
  idle(): Promise<unknown>;
  /** Messages buffered and not yet handed to the lanes. */
  buffered(): number;
  /** True while a batched write is scheduled and has not begun. */
  flushScheduled(): boolean;
  markSent(ids: readonly number[], sentAt: Date): void;
  markFailed(ids: readonly number[]): void;
  countAttempt(ids: readonly number[]): void;
}

export function createOutboxSync({ store, lanes, work, afterFlush, logger }: OutboxSyncDeps): OutboxSync {
  const buffer: Item[] = [];
  /** DB work (flushes, start's load) runs one at a time so a row is never loaded twice. */
  let serial: Promise<unknown> = Promise.resolve();
  let pendingFlush: Promise<void> | undefined;

  function inTurn<T>(job: () => Promise<T>): Promise<T> {
    const run = serial.then(job);
    serial = run.catch(() => {});
    return run;
  }

  async function flushBuffer(): Promise<void> {
    while (buffer.length) {
      const batch = buffer.splice(0, 500);
      try {
        const ids = await store.addMany(
          batch.map((i) => ({
            chatId: i.chatId,
            eventType: i.eventType,
            text: i.text,
            silent: i.silent,
            ...(i.buttons ? { buttons: i.buttons } : {}),
            createdAt: new Date(i.createdAt),
          })),
        );
        batch.forEach((item, n) => (item.id = ids[n]));
      } catch (err) {
        // The database refused: deliver from memory rather than lose the alert now.
        logger?.error({ err, count: batch.length }, 'outbound messages could not be persisted; sending from memory');
      }
      for (const item of batch) lanes.admit(item);
    }
  }

  async function loadPending(): Promise<void> {
    await flushBuffer();
    const rows = await store.pending();
    for (const row of rows) {
      lanes.admit({
        seq: lanes.nextSeq(),
        id: row.id,
        chatId: row.chatId,
        eventType: row.eventType,
        text: row.text,
        silent: row.silent,
        ...(row.buttons ? { buttons: row.buttons } : {}),
        createdAt: row.createdAt.getTime(),
      });
    }
    if (rows.length) logger?.info({ count: rows.length }, 'resuming outbound messages left pending');
  }

  /** Batches enqueues made in the same turn of the event loop into one insert. */
  function scheduleFlush(): Promise<void> {
    if (pendingFlush) return pendingFlush;
    const flushed: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      pendingFlush = undefined;
      void inTurn(flushBuffer);
      return serial.then(() => afterFlush());
    });
    pendingFlush = work.track(flushed);
    return pendingFlush;
  }

  function write(what: string, p: Promise<void>): void {
    // The write's failure is logged right here, and `track` only waits for it: nothing to handle further.
    void work.track(p.catch((err: unknown) => logger?.warn({ err }, `outbound queue could not ${what}`)));
  }

  return {
    add(item) {
      buffer.push(item);
      return scheduleFlush();
    },
    loadPending: () => inTurn(loadPending),
    async flush() {
      void inTurn(flushBuffer);
      await serial;
    },
    idle: () => serial,
    buffered: () => buffer.length,
    flushScheduled: () => pendingFlush !== undefined,
    markSent: (ids, sentAt) => write('mark messages sent', store.markSent(ids, sentAt)),
    markFailed: (ids) => write('mark messages failed', store.markFailed(ids)),
    countAttempt: (ids) => write('count an attempt', store.countAttempt(ids)),
  };
}
