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
 *
 * With several hub replicas every replica's queue writes what it is given, and only the leader's
 * sends (`start`/`stop` follow the leadership): it reads rows written elsewhere when woken
 * (`refresh`, on a NOTIFY) and every `pollIntervalMs`. See ./outbound/outbox-sync.ts for how a
 * row is never admitted twice. A message whose send was under way when its leader died is sent
 * again by the next one: that is the one at-least-once window.
 *
 * The parts live in ./outbound/: chat lanes (messages in memory), the rate limiter, the outbox
 * sync (PostgreSQL), the batch sender (one sendMessage and its outcome) and the send loop.
 */
import type { Api } from 'grammy';
import type { AlertButton } from '../hub/alerts/alert-router.js';
import type { OutboxStore } from '../hub/alerts/outbox-store.js';
import type { Logger } from '../logger.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { createBatchSender, type BatchSender } from './outbound/batch-sender.js';
import { createChatLanes } from './outbound/chat-lanes.js';
import { createOutboxSync, type OutboxSync } from './outbound/outbox-sync.js';
import { createRateLimiter, type RateLimits } from './outbound/rate-limiter.js';
import { createSendLoop, type SendLoop } from './outbound/send-loop.js';
import { createPendingWork, type PendingWork } from './pending-work.js';

export interface OutboundMessageInput {
  chatId: number;
  /** Telegram HTML, already escaped. */
  text: string;
  /** Alert type or another tag for merged summaries (default `notice`). */
  eventType?: string;
  /** Send with `disable_notification`. */
  silent?: boolean;
  /** Inline buttons under the message; a merged message carries those of its parts. */
  buttons?: AlertButton[];
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
  /** While sending, pending rows written by other replicas are read this often (ms; default 0: only when woken with `refresh`). */
  pollIntervalMs?: number;
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
  /** Loads messages left pending by an earlier run (or another replica) and starts sending. */
  start(): Promise<void>;
  /** Stops sending, persists buffered messages, and waits for sends in flight (at most `timeoutMs`, default 5000). Unsent messages stay pending in the database. */
  stop(timeoutMs?: number): Promise<void>;
  /** While sending: reads pending rows written elsewhere now (a NOTIFY woke it). A no-op while stopped. Never rejects. */
  refresh(): Promise<void>;
  /** For editors (live tail): claims a send slot for `chatId` now if the limits allow; false means skip this round. */
  tryReserve(chatId: number): boolean;
  /** Tells the queue Telegram asked to wait `retryAfterSeconds` for `chatId` (seen outside the queue). */
  noteRetryAfter(chatId: number, retryAfterSeconds: number): void;
  /** Resolves when nothing is buffered, in flight, or being written (tests and benches). */
  settled(): Promise<void>;
  stats(): OutboundQueueStats;
}

/** Stops within `timeoutMs`: buffered messages are written and sends in flight awaited; false when time ran out. */
async function drainWithin(sync: OutboxSync, work: PendingWork, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const drained = (async () => {
    await sync.flush();
    await work.drained();
  })();
  const outcome = await Promise.race([drained, bound]);
  clearTimeout(timer);
  return outcome !== 'timeout';
}

/** Resolves when nothing is buffered, in flight, or being written. */
async function settledOf(sync: OutboxSync, work: PendingWork, sender: Pick<BatchSender, 'inFlight'>): Promise<void> {
  for (;;) {
    await sync.idle();
    if (work.size() === 0 && sync.buffered() === 0 && !sync.flushScheduled() && sender.inFlight() === 0) return;
    await Promise.allSettled([...work.list(), sync.idle()]);
    await new Promise((r) => setImmediate(r));
  }
}

/** The rate limits with their defaults filled in (see `OutboundQueueOptions`). */
function limitsOf(options: OutboundQueueOptions): RateLimits {
  const globalPerSecond = options.globalPerSecond ?? 25;
  return {
    perChatIntervalMs: options.perChatIntervalMs ?? 1000,
    groupIntervalMs: options.groupIntervalMs ?? 3000,
    globalPerSecond,
    minGapMs: options.minGapMs ?? Math.floor(1000 / globalPerSecond),
    floodWindowMs: options.floodWindowMs ?? 1000,
  };
}

/** While the loop sends: reads the pending rows other replicas wrote, when woken (`refresh`) and every `intervalMs` (0: only when woken). */
function createOutboxPoll({ sync, loop, intervalMs, logger }: { sync: OutboxSync; loop: SendLoop; intervalMs: number; logger?: Logger }) {
  let timer: NodeJS.Timeout | undefined;
  async function refresh(): Promise<void> {
    if (!loop.running()) return;
    try {
      if (await sync.loadPending()) loop.pump();
    } catch (err) {
      logger?.warn({ err }, 'outbound queue could not read pending messages; the next poll retries');
    }
  }
  return {
    refresh,
    start() {
      if (intervalMs <= 0) return;
      timer = setInterval(() => void refresh(), intervalMs);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}

export function createOutboundQueue(options: OutboundQueueOptions): OutboundQueue {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const merge = { lateAfterMs: options.lateAfterMs ?? 60_000, maxMergedTexts: options.maxMergedTexts ?? 5 };
  const limiter = createRateLimiter(limitsOf(options), clock, logger);
  const lanes = createChatLanes();
  const work = createPendingWork();
  const pump = () => loop.pump();
  const sync = createOutboxSync({ store: options.store, lanes, work, sending: () => loop.running(), afterFlush: pump, logger });
  const sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
  const sender = createBatchSender({
    api: options.api,
    clock,
    lanes,
    limiter,
    sync,
    work,
    merge,
    sendTimeoutMs,
    afterSend: pump,
    logger,
  });
  const loop = createSendLoop({ clock, lanes, limiter, sender, maxInFlight: options.maxInFlight ?? 32 });
  const poll = createOutboxPoll({ sync, loop, intervalMs: options.pollIntervalMs ?? 0, logger });

  return {
    enqueue(message) {
      const { chatId, text } = message;
      return sync.add({
        seq: lanes.nextSeq(),
        chatId,
        eventType: message.eventType ?? 'notice',
        text,
        silent: message.silent ?? false,
        ...(message.buttons?.length ? { buttons: message.buttons } : {}),
        createdAt: clock.now(),
      });
    },
    async start() {
      if (loop.running()) return;
      const loaded = await sync.loadPending();
      if (loaded) logger?.info({ count: loaded }, 'resuming outbound messages left pending');
      loop.start();
      poll.start();
    },
    async stop(timeoutMs = 5000) {
      poll.stop();
      loop.stop();
      if (!(await drainWithin(sync, work, timeoutMs))) {
        sender.abortAll();
        logger?.warn({ inFlight: sender.inFlight() }, 'outbound queue stopped with sends in flight; they stay pending');
      }
      lanes.dropPersisted(); // pending in the database: the next sender (maybe another replica) loads them
    },
    refresh: poll.refresh,
    tryReserve(chatId) {
      const t = clock.now();
      if (t < limiter.pausedUntil() || !limiter.hasRoom(t)) return false;
      const c = lanes.chat(chatId);
      if (c.inFlight || c.nextAt > t) return false;
      limiter.claim(c, chatId, t);
      return true;
    },
    noteRetryAfter(chatId, retryAfterSeconds) {
      limiter.noteFlood(lanes.chat(chatId), chatId, retryAfterSeconds);
      loop.pump();
    },
    settled: () => settledOf(sync, work, sender),
    stats() {
      return {
        waiting: sync.buffered() + lanes.count(),
        inFlight: sender.inFlight(),
        ...sender.counters(),
        floodWaits: limiter.floodWaits(),
      };
    },
  };
}
