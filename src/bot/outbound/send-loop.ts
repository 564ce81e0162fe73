/**
 * The outbound queue's scheduler: while running, starts as many sends as the limits allow (the
 * chat whose oldest message came first goes first), then sleeps until the next waiting chat may
 * go. Anything that may free a slot (a write, a settled send, a 429 seen elsewhere) calls `pump`.
 */
import type { Clock } from '../../shared/clock.js';
import type { BatchSender } from './batch-sender.js';
import type { ChatLanes } from './chat-lanes.js';
import type { RateLimiter } from './rate-limiter.js';

export interface SendLoopDeps {
  clock: Clock;
  lanes: Pick<ChatLanes, 'pickReady' | 'waitingChats'>;
  limiter: RateLimiter;
  sender: Pick<BatchSender, 'send' | 'inFlight'>;
  /** Concurrent sendMessage calls. */
  maxInFlight: number;
}

export interface SendLoop {
  running(): boolean;
  start(): void;
  /** Stops starting sends; sends in flight go on. */
  stop(): void;
  /** Starts what may start now and sets the next wake-up. A no-op while stopped. */
  pump(): void;
}

export function createSendLoop({ clock, lanes, limiter, sender, maxInFlight }: SendLoopDeps): SendLoop {
  let running = false;
  let wake: { handle: unknown; at: number } | undefined;

  function schedule(at: number): void {
    if (!running) return;
    if (wake && wake.at <= at) return;
    if (wake) clock.clearTimeout(wake.handle);
    const handle = clock.setTimeout(
      () => {
        wake = undefined;
        pump();
      },
      Math.max(0, at - clock.now()),
    );
    wake = { handle, at };
  }

  function pump(): void {
    if (!running) return;
    const t = clock.now();
    if (t < limiter.pausedUntil()) return schedule(limiter.pausedUntil());
    while (limiter.hasRoom(t) && sender.inFlight() < maxInFlight) {
      const c = lanes.pickReady(t);
      if (!c) break;
      sender.send(c, t);
    }
    // Wake when the next waiting chat may go: its own slot, the spacing and the window all free.
    let next = Infinity;
    for (const c of lanes.waitingChats()) next = Math.min(next, limiter.earliestStart(c.nextAt, t));
    if (next !== Infinity) schedule(Math.max(next, t));
  }

  return {
    running: () => running,
    start() {
      running = true;
      pump();
    },
    stop() {
      running = false;
      if (wake) clock.clearTimeout(wake.handle);
      wake = undefined;
    },
    pump,
  };
}
