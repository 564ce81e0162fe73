/**
 * The outbound queue's side in PostgreSQL (outbound_messages, through the hub's outbox store):
 * every message is written before it may be sent, so a restart or an outage loses none.
 * Enqueues made in the same turn of the event loop become one insert; when the database refuses,
 * messages are sent from memory rather than lost. Status updates after a send are fire-and-forget
 * (a failure is logged; the row stays pending and is sent again after a restart).
 *
 * With several hub replicas every replica writes the messages it enqueues but only the leader
 * sends (`sending()`): a follower's written rows stay out of memory, and the leader reads them
 * with `loadPending` (woken by NOTIFY, and by a poll). A row is admitted once per sending
 * session: rows in memory are skipped by the lanes, and a row whose sent/failed mark is still
 * being written — or was written while the read was under way — is skipped here.
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
  /** True while this queue sends (the leader): written messages go to the lanes; else they stay in the database. */
  sending(): boolean;
  /** Runs after each batched write (the queue looks for something to send). */
  afterFlush(): void;
  logger?: Logger;
}

export interface OutboxSync {
  /** Buffers `item`; resolves once its batch is written (or writing failed). Never rejects. */
  add(item: Item): Promise<void>;
  /** Writes the buffer, then admits the pending messages not yet admitted (left by an earlier run, or written by another replica). Rejects when the database does. */
  loadPending(): Promise<number>;
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

/**
 * Rows whose final mark (sent, failed) is being written are skipped by reads of pending rows, and
 * so are rows whose mark was written while the read was under way (its snapshot may predate the
 * mark). A mark whose write failed keeps its rows skipped: they are sent again only after a
 * restart (or by another leader), as before.
 */
function createMarkGuard() {
  const marking = new Set<number>();
  /** While a read is under way: rows whose mark was written meanwhile. */
  let markedDuringRead: Set<number> | undefined;
  return {
    track(ids: readonly number[], write: Promise<void>): Promise<void> {
      for (const id of ids) marking.add(id);
      return write.then(() => {
        for (const id of ids) {
          marking.delete(id);
          markedDuringRead?.add(id);
        }
      });
    },
    /** Reads (one read at a time) and leaves out the rows being, or just, marked. */
    async read<T extends { id: number }>(read: () => Promise<T[]>): Promise<T[]> {
      const marked = (markedDuringRead = new Set());
      try {
        const rows = await read();
        return rows.filter((row) => !marking.has(row.id) && !marked.has(row.id));
      } finally {
        markedDuringRead = undefined;
      }
    },
  };
}

export function createOutboxSync({ store, lanes, work, sending, afterFlush, logger }: OutboxSyncDeps): OutboxSync {
  const buffer: Item[] = [];
  const marks = createMarkGuard();
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
      // Unwritten ones only live here: they go to the lanes whatever the role.
      for (const item of batch) if (item.id === undefined || sending()) lanes.admit(item);
    }
  }

  async function loadPending(): Promise<number> {
    await flushBuffer();
    const rows = await marks.read(() => store.pending());
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
    return rows.length;
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
    markSent: (ids, sentAt) => write('mark messages sent', marks.track(ids, store.markSent(ids, sentAt))),
    markFailed: (ids) => write('mark messages failed', marks.track(ids, store.markFailed(ids))),
    countAttempt: (ids) => write('count an attempt', store.countAttempt(ids)),
  };
}
