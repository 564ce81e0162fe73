/**
 * Time, injectable, for everything that reads it or waits: the bot's outbound queue and live tail
 * (callback timers: pacing, retry_after waits, the 10-minute tail expiry) and the agent's engine
 * and hub client (awaitable sleeps that a stop aborts). Tests pass a clock that moves only when
 * told to (test/support/manual-clock.ts, test/agent/helpers.ts); production uses `systemClock`.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` after `ms` milliseconds; the handle goes to `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * Resolves after `ms` milliseconds, or early (without throwing) when `signal` aborts.
   * `ms` may be `Infinity`: then only the signal ends the wait.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** `Clock.sleep` built on a clock's callback timers. */
export function sleepOn(timers: Pick<Clock, 'setTimeout' | 'clearTimeout'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    let timer: unknown;
    const done = () => {
      if (timer !== undefined) timers.clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    if (Number.isFinite(ms)) timer = timers.setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Node's timers as they are: a pending `sleep` keeps the process alive, like any awaited wait. */
const heldTimers: Pick<Clock, 'setTimeout' | 'clearTimeout'> = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * The real clock. Its `setTimeout` timers are unref'd: background pacing never holds the process
 * open at shutdown. Its `sleep` is not: an agent waiting for its next tick stays alive.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  sleep: (ms, signal) => sleepOn(heldTimers, ms, signal),
};
