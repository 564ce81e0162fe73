/**
 * The one outbound queue for bot push messages (alerts, notices). It keeps Telegram's limits —
 * about one message per second per chat (one per 3 s in groups) and `globalPerSecond` overall —
 * honours 429 `retry_after` (pausing the chat, or everything when several chats are flooded at
 * once), merges bursts for one chat into one message ("+5 more fills"), and persists every
 * message (outbound_messages) before trying to send it, so a restart or an outage loses none;
 * messages sent late say how late ("⏱ delayed 3 min").
 *
 * Trading never waits on Telegram: `enqueue` only buffers (a batched insert follows on the next
 * turn of the event loop) and its promise never rejects. A blocked bot (403) or a chat that is
 * gone fails the message for good instead of retrying forever; network trouble and 5xx retry
 * with backoff for as long as it takes.
 *
 * Editors of existing messages (the live tail) share the limits through `tryReserve` and
 * `noteRetryAfter`. Replies sent inside an update handler do not pass through here.
 */
import { GrammyError, HttpError, type Api } from 'grammy';
import type { OutboxStore } from '../hub/alerts/outbox-store.js';
import type { Logger } from '../logger.js';
import { delayNote, moreSummary, TELEGRAM_TEXT_LIMIT } from './alert-format.js';
import { systemClock, type Clock } from '../shared/clock.js';

export interface OutboundMessageInput {
  chatId: number;
  /** Telegram HTML, already escaped. */
  text: string;
  /** Alert type or another tag for merged summaries (default `notice`). */
  eventType?: string;
  /** Send with `disable_notification`. */
  silent?: boolean;
}

export interface OutboundQueueOptions {
  store: OutboxStore;
  api: Pick<Api, 'sendMessage'>;
  clock?: Clock;
  /** Minimum gap between two messages to one private chat (ms, default 1000). */
  perChatIntervalMs?: number;
  /** Minimum gap for groups and channels (negative chat ids; ms, default 3000). */
  groupIntervalMs?: number;
  /** Messages started in any sliding second (default 25; Telegram allows about 30). */
  globalPerSecond?: number;
  /** Messages older than this when sent get a delay note (ms, default 60 000). */
  lateAfterMs?: number;
  /** Full texts kept in a merged message; the rest are counted (default 5). */
  maxMergedTexts?: number;
  /** Concurrent sendMessage calls (default 32). */
  maxInFlight?: number;
  /** A send that takes longer is aborted and retried (ms, default 30 000). */
  sendTimeoutMs?: number;
  /** Minimum time between two sends of any chats (ms, default 1000 / globalPerSecond). */
  minGapMs?: number;
  /** Two chats answering 429 within this window means a global flood (ms, default 1000). */
  floodWindowMs?: number;
  logger?: Logger;
}

export interface OutboundQueueStats {
  /** Messages waiting (buffered or queued, not yet delivered or failed). */
  waiting: number;
  inFlight: number;
  /** Successful sendMessage calls. */
  sendCalls: number;
  /** Queued messages delivered (a merged call delivers several). */
  delivered: number;
  /** Queued messages that went out inside a merged message. */
  merged: number;
  /** Queued messages given up on (blocked, chat gone, rejected). */
  failed: number;
  /** 429 answers seen. */
  floodWaits: number;
}

export interface OutboundQueue {
  /** Queues a message. Never waits on Telegram; resolves once it is persisted (or persisting failed and it stays in memory). Never rejects. */
  enqueue(message: OutboundMessageInput): Promise<void>;
  /** Loads messages left pending by an earlier run and starts sending. */
  start(): Promise<void>;
  /** Stops sending, persists buffered messages, and waits for sends in flight (at most `timeoutMs`, default 5000). Unsent messages stay pending in the database. */
  stop(timeoutMs?: number): Promise<void>;
  /** For editors (live tail): claims a send slot for `chatId` now if the limits allow; false means skip this round. */
  tryReserve(chatId: number): boolean;
  /** Tells the queue Telegram asked to wait `retryAfterSeconds` for `chatId` (seen outside the queue). */
  noteRetryAfter(chatId: number, retryAfterSeconds: number): void;
  /** Resolves when nothing is buffered, in flight, or being written (tests and benches). */
  settled(): Promise<void>;
  stats(): OutboundQueueStats;
}

interface Item {
  seq: number;
  id?: number;
  chatId: number;
  eventType: string;
  text: string;
  silent: boolean;
  createdAt: number;
}

interface ChatState {
  items: Item[];
  /** Earliest time (ms) the next message may start. */
  nextAt: number;
  inFlight: boolean;
  /** Current backoff for transient errors (ms). */
  backoffMs: number;
  /** Send the next batch unmerged (a merged text was refused). */
  noMerge: boolean;
}

/** Telegram answers that mean "this chat will not take messages": do not retry. */
const GONE = /blocked|deactivated|chat not found|kicked|not enough rights|have no rights|bot was|user not found|PEER_ID_INVALID|CHAT_WRITE_FORBIDDEN/i;

export function createOutboundQueue(options: OutboundQueueOptions): OutboundQueue {
  const { store, api, logger } = options;
  const clock = options.clock ?? systemClock;
  const perChatIntervalMs = options.perChatIntervalMs ?? 1000;
  const groupIntervalMs = options.groupIntervalMs ?? 3000;
  const globalPerSecond = options.globalPerSecond ?? 25;
  const lateAfterMs = options.lateAfterMs ?? 60_000;
  const maxMergedTexts = options.maxMergedTexts ?? 5;
  const maxInFlight = options.maxInFlight ?? 32;
  const sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
  const floodWindowMs = options.floodWindowMs ?? 1000;
  const minGapMs = options.minGapMs ?? Math.floor(1000 / globalPerSecond);

  const chats = new Map<number, ChatState>();
  const knownIds = new Set<number>();
  let buffer: Item[] = [];
  let seq = 0;
  let running = false;
  let inFlight = 0;
  /** Start times of recent sends (ms), oldest first: the global sliding window. */
  const window: number[] = [];
  let globalPausedUntil = 0;
  /** Start of the latest send: sends are spread `minGapMs` apart rather than fired in bursts, so network jitter cannot squeeze two windows' worth into one second at Telegram's end. */
  let lastDispatchAt = -Infinity;
  const recentFloods: Array<{ chatId: number; at: number }> = [];
  let wake: { handle: unknown; at: number } | undefined;
  /** DB work (flushes, start's load) runs one at a time so a row is never loaded twice. */
  let serial: Promise<unknown> = Promise.resolve();
  let pendingFlush: Promise<void> | undefined;
  const tracked = new Set<Promise<unknown>>();
  const aborts = new Set<AbortController>();
  const counters = { sendCalls: 0, delivered: 0, merged: 0, failed: 0, floodWaits: 0 };

  const intervalFor = (chatId: number) => (chatId < 0 ? groupIntervalMs : perChatIntervalMs);

  function track<T>(p: Promise<T>): Promise<T> {
    tracked.add(p);
    void p.finally(() => tracked.delete(p)).catch(() => {});
    return p;
  }

  function chat(chatId: number): ChatState {
    let c = chats.get(chatId);
    if (!c) chats.set(chatId, (c = { items: [], nextAt: 0, inFlight: false, backoffMs: 0, noMerge: false }));
    return c;
  }

  function admit(item: Item): void {
    if (item.id !== undefined) {
      if (knownIds.has(item.id)) return;
      knownIds.add(item.id);
    }
    chat(item.chatId).items.push(item);
  }

  // ── persistence ────────────────────────────────────────────────────────────

  async function flushBuffer(): Promise<void> {
    while (buffer.length) {
      const batch = buffer.splice(0, 500);
      try {
        const ids = await store.addMany(batch.map((i) => ({ chatId: i.chatId, eventType: i.eventType, text: i.text, silent: i.silent, createdAt: new Date(i.createdAt) })));
        batch.forEach((item, n) => (item.id = ids[n]));
      } catch (err) {
        // The database refused: deliver from memory rather than lose the alert now.
        logger?.error({ err, count: batch.length }, 'outbound messages could not be persisted; sending from memory');
      }
      for (const item of batch) admit(item);
    }
  }

  /** Batches enqueues made in the same turn of the event loop into one insert. */
  function scheduleFlush(): Promise<void> {
    if (pendingFlush) return pendingFlush;
    const flushed: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      pendingFlush = undefined;
      const run = serial.then(flushBuffer);
      serial = run.catch(() => {});
      return serial.then(() => pump());
    });
    pendingFlush = track(flushed);
    return pendingFlush;
  }

  function write(what: string, p: Promise<void>): void {
    track(p.catch((err: unknown) => logger?.warn({ err }, `outbound queue could not ${what}`)));
  }

  // ── pacing ─────────────────────────────────────────────────────────────────

  /** Forgets sends more than a second old (strictly: 1 ms of margin against clock granularity). */
  function pruneWindow(t: number): void {
    while (window.length && window[0]! < t - 1000) window.shift();
  }

  function schedule(at: number): void {
    if (!running) return;
    if (wake && wake.at <= at) return;
    if (wake) clock.clearTimeout(wake.handle);
    const handle = clock.setTimeout(() => {
      wake = undefined;
      pump();
    }, Math.max(0, at - clock.now()));
    wake = { handle, at };
  }

  function pickReady(t: number): ChatState | undefined {
    let best: ChatState | undefined;
    for (const [id, c] of chats) {
      if (c.items.length === 0) {
        if (!c.inFlight && c.nextAt <= t) chats.delete(id); // idle: forget it
        continue;
      }
      if (c.inFlight || c.nextAt > t) continue;
      if (!best || c.items[0]!.seq < best.items[0]!.seq) best = c;
    }
    return best;
  }

  function pump(): void {
    if (!running) return;
    const t = clock.now();
    if (t < globalPausedUntil) return schedule(globalPausedUntil);
    pruneWindow(t);
    while (window.length < globalPerSecond && inFlight < maxInFlight && t - lastDispatchAt >= minGapMs) {
      const c = pickReady(t);
      if (!c) break;
      dispatch(c, t);
      lastDispatchAt = t;
    }
    // Wake when the next waiting chat may go: its own slot, the spacing and the window all free.
    const spacingFree = lastDispatchAt + minGapMs;
    const windowFree = window.length >= globalPerSecond ? window[0]! + 1001 : t;
    let next = Infinity;
    for (const c of chats.values()) if (c.items.length && !c.inFlight) next = Math.min(next, Math.max(c.nextAt, spacingFree, windowFree));
    if (next !== Infinity) schedule(Math.max(next, t));
  }

  function compose(batch: Item[], t: number): string {
    const oldest = Math.min(...batch.map((i) => i.createdAt));
    const late = t - oldest >= lateAfterMs ? `\n\n<i>${delayNote(t - oldest)}</i>` : '';
    if (batch.length === 1) {
      const text = batch[0]!.text;
      return text.length + late.length <= TELEGRAM_TEXT_LIMIT ? text + late : text;
    }
    const reserve = 200 + late.length; // summary line + delay note
    const parts: string[] = [];
    let length = 0;
    for (const item of batch) {
      if (parts.length >= maxMergedTexts || length + item.text.length + 2 > TELEGRAM_TEXT_LIMIT - reserve) break;
      parts.push(item.text);
      length += item.text.length + 2;
    }
    const rest = batch.slice(parts.length);
    const summary = rest.length ? `\n\n<i>${moreSummary(rest.map((i) => i.eventType))}</i>` : '';
    return parts.join('\n\n') + summary + late;
  }

  function noteFlood(chatId: number, retryAfterSeconds: number): void {
    const t = clock.now();
    const until = t + Math.max(1, retryAfterSeconds) * 1000;
    counters.floodWaits += 1;
    const c = chat(chatId);
    c.nextAt = Math.max(c.nextAt, until);
    recentFloods.push({ chatId, at: t });
    while (recentFloods.length && recentFloods[0]!.at < t - floodWindowMs) recentFloods.shift();
    if (new Set(recentFloods.map((f) => f.chatId)).size >= 2) {
      globalPausedUntil = Math.max(globalPausedUntil, until);
      logger?.warn({ retryAfterSeconds }, 'Telegram flood wait across chats; pausing all outbound messages');
    }
  }

  function dispatch(c: ChatState, t: number): void {
    const batch = c.noMerge ? c.items.slice(0, 1) : c.items.slice();
    c.noMerge = false;
    const chatId = batch[0]!.chatId;
    c.inFlight = true;
    inFlight += 1;
    window.push(t);
    c.nextAt = t + intervalFor(chatId);
    const text = compose(batch, t);
    const controller = new AbortController();
    aborts.add(controller);
    const timeout = clock.setTimeout(() => controller.abort(), sendTimeoutMs);
    const ids = batch.flatMap((i) => (i.id === undefined ? [] : [i.id]));
    const done = (delivered: boolean) => {
      const sent = new Set(batch);
      c.items = c.items.filter((i) => !sent.has(i));
      for (const id of ids) knownIds.delete(id);
      if (delivered) {
        counters.delivered += batch.length;
        if (batch.length > 1) counters.merged += batch.length;
      } else counters.failed += batch.length;
    };
    const send = api
      .sendMessage(chatId, text, { parse_mode: 'HTML', disable_notification: batch.every((i) => i.silent), link_preview_options: { is_disabled: true } }, controller.signal as Parameters<Api['sendMessage']>[3])
      .then(
        () => {
          counters.sendCalls += 1;
          c.backoffMs = 0;
          done(true);
          write('mark messages sent', store.markSent(ids, new Date(clock.now())));
        },
        (err: unknown) => {
          if (err instanceof GrammyError && err.error_code === 429) {
            noteFlood(chatId, err.parameters.retry_after ?? 1);
            write('count an attempt', store.countAttempt(ids));
          } else if (err instanceof GrammyError && (err.error_code === 403 || (err.error_code === 400 && GONE.test(err.description)))) {
            logger?.info({ chatId, description: err.description, count: batch.length }, 'chat does not take messages; giving up on them');
            done(false);
            write('mark messages failed', store.markFailed(ids));
          } else if (err instanceof GrammyError && err.error_code === 400) {
            if (batch.length > 1) {
              c.noMerge = true; // one of the texts is bad: send them one by one
            } else {
              logger?.warn({ chatId, description: err.description, eventType: batch[0]!.eventType }, 'Telegram refused an outbound message');
              done(false);
              write('mark messages failed', store.markFailed(ids));
            }
          } else {
            // Network trouble, timeout, 5xx: keep it and try again later.
            c.backoffMs = Math.min(Math.max(c.backoffMs * 2, 2000), 60_000);
            c.nextAt = Math.max(c.nextAt, clock.now() + c.backoffMs);
            if (!(err instanceof HttpError || err instanceof GrammyError)) logger?.warn({ err, chatId }, 'unexpected outbound send error');
            write('count an attempt', store.countAttempt(ids));
          }
        },
      )
      .finally(() => {
        clock.clearTimeout(timeout);
        aborts.delete(controller);
        c.inFlight = false;
        inFlight -= 1;
        pump();
      });
    track(send);
  }

  return {
    enqueue(message) {
      const item: Item = {
        seq: ++seq,
        chatId: message.chatId,
        eventType: message.eventType ?? 'notice',
        text: message.text,
        silent: message.silent ?? false,
        createdAt: clock.now(),
      };
      buffer.push(item);
      return scheduleFlush();
    },

    async start() {
      if (running) return;
      const load = async () => {
        await flushBuffer();
        const rows = await store.pending();
        for (const row of rows) {
          admit({ seq: ++seq, id: row.id, chatId: row.chatId, eventType: row.eventType, text: row.text, silent: row.silent, createdAt: row.createdAt.getTime() });
        }
        if (rows.length) logger?.info({ count: rows.length }, 'resuming outbound messages left pending');
      };
      const loading = serial.then(load);
      serial = loading.catch(() => {});
      await loading;
      running = true;
      pump();
    },

    async stop(timeoutMs = 5000) {
      running = false;
      if (wake) clock.clearTimeout(wake.handle);
      wake = undefined;
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const drained = (async () => {
        serial = serial.then(flushBuffer).catch(() => {});
        await serial;
        while (tracked.size) await Promise.allSettled([...tracked]);
      })();
      const outcome = await Promise.race([drained, bound]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        for (const controller of aborts) controller.abort();
        logger?.warn({ inFlight }, 'outbound queue stopped with sends in flight; they stay pending');
      }
    },

    tryReserve(chatId) {
      const t = clock.now();
      if (t < globalPausedUntil) return false;
      pruneWindow(t);
      if (window.length >= globalPerSecond || t - lastDispatchAt < minGapMs) return false;
      const c = chat(chatId);
      if (c.inFlight || c.nextAt > t) return false;
      window.push(t);
      lastDispatchAt = t;
      c.nextAt = t + intervalFor(chatId);
      return true;
    },

    noteRetryAfter(chatId, retryAfterSeconds) {
      noteFlood(chatId, retryAfterSeconds);
      pump();
    },

    async settled() {
      for (;;) {
        await serial;
        if (tracked.size === 0 && buffer.length === 0 && !pendingFlush && inFlight === 0) return;
        await Promise.allSettled([...tracked, serial]);
        await new Promise((r) => setImmediate(r));
      }
    },

    stats() {
      let waiting = buffer.length;
      for (const c of chats.values()) waiting += c.items.length;
      return { waiting, inFlight, ...counters };
    },
  };
}
