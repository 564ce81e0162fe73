/**
 * Telegram's sending limits, kept for the outbound queue and for editors that share them (the
 * live tail): a minimum gap per chat (longer for groups), at most `globalPerSecond` sends started
 * in any sliding second, sends spread `minGapMs` apart, and the waits Telegram asks for with 429
 * `retry_after` — for one chat, or for everything when several chats are flooded at once.
 * Times are ms on the queue's clock.
 */
import type { Logger } from '../../logger.js';
import type { Clock } from '../../shared/clock.js';

/** A chat's pacing state, as the limiter reads and moves it. */
export interface ChatSlot {
  /** Earliest time (ms) the next message may start. */
  nextAt: number;
  inFlight: boolean;
}

export interface RateLimits {
  /** Minimum gap between two messages to one private chat (ms). */
  perChatIntervalMs: number;
  /** Minimum gap for groups and channels (negative chat ids; ms). */
  groupIntervalMs: number;
  /** Sends started in any sliding second. */
  globalPerSecond: number;
  /** Minimum time between two sends of any chats (ms). */
  minGapMs: number;
  /** Two chats answering 429 within this window means a global flood (ms). */
  floodWindowMs: number;
}

export interface RateLimiter {
  /** Until when (ms) every chat waits after a flood across chats. */
  pausedUntil(): number;
  /** True when the sliding second and the spacing let one more send start at `t`. */
  hasRoom(t: number): boolean;
  /** Counts a send to `chatId` starting at `t` and spaces the chat's next one. */
  claim(slot: ChatSlot, chatId: number, t: number): void;
  /** Earliest time a chat whose own slot frees at `nextAt` may go, given the spacing and the window. */
  earliestStart(nextAt: number, t: number): number;
  /** Telegram asked `chatId` to wait `retryAfterSeconds` (at least 1 s is honoured). */
  noteFlood(slot: ChatSlot, chatId: number, retryAfterSeconds: number): void;
  /** 429 answers noted so far. */
  floodWaits(): number;
}

export function createRateLimiter(limits: RateLimits, clock: Clock, logger?: Logger): RateLimiter {
  const { globalPerSecond, minGapMs, floodWindowMs } = limits;
  /** Start times of recent sends (ms), oldest first: the global sliding window. */
  const window: number[] = [];
  let globalPausedUntil = 0;
  /** Start of the latest send: sends are spread `minGapMs` apart rather than fired in bursts, so network jitter cannot squeeze two windows' worth into one second at Telegram's end. */
  let lastDispatchAt = -Infinity;
  const recentFloods: Array<{ chatId: number; at: number }> = [];
  let floodWaits = 0;

  /** Forgets sends more than a second old (strictly: 1 ms of margin against clock granularity). */
  function pruneWindow(t: number): void {
    while (window.length && window[0]! < t - 1000) window.shift();
  }

  return {
    pausedUntil: () => globalPausedUntil,
    hasRoom(t) {
      pruneWindow(t);
      return window.length < globalPerSecond && t - lastDispatchAt >= minGapMs;
    },
    claim(slot, chatId, t) {
      window.push(t);
      lastDispatchAt = t;
      slot.nextAt = t + (chatId < 0 ? limits.groupIntervalMs : limits.perChatIntervalMs);
    },
    earliestStart(nextAt, t) {
      const spacingFree = lastDispatchAt + minGapMs;
      const windowFree = window.length >= globalPerSecond ? window[0]! + 1001 : t;
      return Math.max(nextAt, spacingFree, windowFree);
    },
    noteFlood(slot, chatId, retryAfterSeconds) {
      const t = clock.now();
      const until = t + Math.max(1, retryAfterSeconds) * 1000;
      floodWaits += 1;
      slot.nextAt = Math.max(slot.nextAt, until);
      recentFloods.push({ chatId, at: t });
      while (recentFloods.length && recentFloods[0]!.at < t - floodWindowMs) recentFloods.shift();
      if (new Set(recentFloods.map((f) => f.chatId)).size >= 2) {
        globalPausedUntil = Math.max(globalPausedUntil, until);
        logger?.warn({ retryAfterSeconds }, 'Telegram flood wait across chats; pausing all outbound messages');
      }
    },
    floodWaits: () => floodWaits,
  };
}
