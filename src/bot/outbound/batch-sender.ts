/**
 * One send of the outbound queue: a chat's waiting messages go out as one sendMessage (merged;
 * silent only when all of them are), aborted after `sendTimeoutMs`. Telegram's answer decides
 * their fate: delivered, wait and retry (429), given up on for good (blocked, chat gone, a
 * refused single text), split (a refused merged text goes again one by one), or retried with
 * backoff (network trouble, timeout, 5xx) for as long as it takes.
 */
import type { Api } from 'grammy';
import type { Logger } from '../../logger.js';
import type { Clock } from '../../shared/clock.js';
import type { PendingWork } from '../pending-work.js';
import type { ChatLanes, ChatState, Item } from './chat-lanes.js';
import { mergedButtons, mergedText, type MergeLimits } from './merge-text.js';
import type { OutboxSync } from './outbox-sync.js';
import type { RateLimiter } from './rate-limiter.js';
import { classifySendFailure } from './send-failure.js';

export interface SendCounters {
  /** Successful sendMessage calls. */
  sendCalls: number;
  /** Queued messages delivered (a merged call delivers several). */
  delivered: number;
  /** Queued messages that went out inside a merged message. */
  merged: number;
  /** Queued messages given up on (blocked, chat gone, rejected). */
  failed: number;
}

export interface BatchSenderDeps {
  api: Pick<Api, 'sendMessage'>;
  clock: Clock;
  lanes: Pick<ChatLanes, 'chat' | 'takeBatch' | 'remove'>;
  limiter: RateLimiter;
  sync: Pick<OutboxSync, 'markSent' | 'markFailed' | 'countAttempt'>;
  work: PendingWork;
  merge: MergeLimits;
  sendTimeoutMs: number;
  /** Runs once a send has settled (the queue looks for the next one). */
  afterSend(): void;
  logger?: Logger;
}

export interface BatchSender {
  /** Sends chat `c`'s next batch now (`t`, ms); the caller checked the limits. */
  send(c: ChatState, t: number): void;
  inFlight(): number;
  counters(): Readonly<SendCounters>;
  /** Aborts every send in flight (stop ran out of time); they stay pending. */
  abortAll(): void;
}

function countFinished(counters: SendCounters, size: number, delivered: boolean): void {
  if (delivered) {
    counters.delivered += size;
    if (size > 1) counters.merged += size;
  } else counters.failed += size;
}

/** HTML, silent only when every message is, no link previews, and the batch's buttons (one per row). */
function sendOptions(batch: readonly Item[]) {
  const buttons = mergedButtons(batch);
  return {
    parse_mode: 'HTML' as const,
    disable_notification: batch.every((i) => i.silent),
    link_preview_options: { is_disabled: true },
    ...(buttons.length ? { reply_markup: { inline_keyboard: buttons.map((b) => [{ text: b.text, callback_data: b.data }]) } } : {}),
  };
}

export function createBatchSender(deps: BatchSenderDeps): BatchSender {
  const { api, clock, lanes, limiter, sync, logger } = deps;
  const counters: SendCounters = { sendCalls: 0, delivered: 0, merged: 0, failed: 0 };
  const aborts = new Set<AbortController>();
  let inFlight = 0;

  function finish(c: ChatState, batch: Item[], delivered: boolean): void {
    lanes.remove(c, batch);
    countFinished(counters, batch.length, delivered);
  }

  function onFailure(c: ChatState, batch: Item[], ids: number[], err: unknown): void {
    const chatId = batch[0]!.chatId;
    const failure = classifySendFailure(err);
    if (failure.kind === 'flood') {
      limiter.noteFlood(lanes.chat(chatId), chatId, failure.retryAfterSeconds);
      sync.countAttempt(ids);
    } else if (failure.kind === 'gone') {
      logger?.info({ chatId, description: failure.description, count: batch.length }, 'chat does not take messages; giving up on them');
      finish(c, batch, false);
      sync.markFailed(ids);
    } else if (failure.kind === 'refused') {
      if (batch.length > 1) {
        c.noMerge = true; // one of the texts is bad: send them one by one
      } else {
        logger?.warn({ chatId, description: failure.description, eventType: batch[0]!.eventType }, 'Telegram refused an outbound message');
        finish(c, batch, false);
        sync.markFailed(ids);
      }
    } else {
      // Network trouble, timeout, 5xx: keep it and try again later.
      c.backoffMs = Math.min(Math.max(c.backoffMs * 2, 2000), 60_000);
      c.nextAt = Math.max(c.nextAt, clock.now() + c.backoffMs);
      if (failure.unexpected) logger?.warn({ err, chatId }, 'unexpected outbound send error');
      sync.countAttempt(ids);
    }
  }

  function send(c: ChatState, t: number): void {
    const batch = lanes.takeBatch(c);
    const chatId = batch[0]!.chatId;
    c.inFlight = true;
    inFlight += 1;
    limiter.claim(c, chatId, t);
    const text = mergedText(batch, t, deps.merge);
    const controller = new AbortController();
    aborts.add(controller);
    const timeout = clock.setTimeout(() => controller.abort(), deps.sendTimeoutMs);
    const ids = batch.flatMap((i) => (i.id === undefined ? [] : [i.id]));
    const sending = api
      .sendMessage(chatId, text, sendOptions(batch), controller.signal as Parameters<Api['sendMessage']>[3])
      .then(
        () => {
          counters.sendCalls += 1;
          c.backoffMs = 0;
          finish(c, batch, true);
          sync.markSent(ids, new Date(clock.now()));
        },
        (err: unknown) => onFailure(c, batch, ids, err),
      )
      .finally(() => {
        clock.clearTimeout(timeout);
        aborts.delete(controller);
        c.inFlight = false;
        inFlight -= 1;
        deps.afterSend();
      });
    // The send's outcomes are handled above, and `track` attaches its own handler (it only waits): nothing floats.
    void deps.work.track(sending);
  }

  return {
    send,
    inFlight: () => inFlight,
    counters: () => counters,
    abortAll() {
      for (const controller of aborts) controller.abort();
    },
  };
}
