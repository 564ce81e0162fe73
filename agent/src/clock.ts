/**
 * Time as the agent sees it. Everything that waits or reads the time takes a `Clock`, so tests
 * can run the engine with a manual clock instead of real timers.
 */

export interface Clock {
  /** Unix epoch milliseconds. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds, or early (without throwing) when `signal` aborts.
   * `ms` may be `Infinity`: then only the signal ends the wait.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      if (Number.isFinite(ms)) timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    });
  },
};
