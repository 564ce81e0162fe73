/**
 * The chain worker's background loop. Passes never overlap: one asked for with `drainOnce()`
 * queues behind the loop's current one. Between passes the loop sleeps `pollIntervalMs`
 * unless woken (`wake()`, e.g. after an enqueue) or the last pass says more is due right away;
 * `stop()` returns only after the current pass has finished.
 */

export interface DrainLoopOptions<R> {
  /** One pass; a rejection is reported to `onPassError` and the loop goes on. */
  runPass: () => Promise<R>;
  /** Idle wait between passes, in ms. */
  pollIntervalMs: number;
  /** True when the pass suggests more work is due now (the loop then skips its sleep). */
  moreDue: (result: R) => boolean;
  onPassError: (err: unknown) => void;
}

export interface DrainLoop<R> {
  /** Starts the loop unless it runs already. */
  start(): void;
  /** Stops the loop and waits for the current pass to finish. Idempotent. */
  stop(): Promise<void>;
  /** Runs one pass now (serialised with the background loop). */
  drainOnce(): Promise<R>;
  /** Ends the current sleep now, or skips the next one. */
  wake(): void;
  readonly running: boolean;
  /** Passes that completed without throwing. */
  readonly passes: number;
}

export function createDrainLoop<R>(options: DrainLoopOptions<R>): DrainLoop<R> {
  let passChain: Promise<unknown> = Promise.resolve();
  let loop: Promise<void> | null = null;
  let running = false;
  let passes = 0;
  let stopping = false;
  const idle = createWakeableSleep();

  function drainOnce(): Promise<R> {
    const pass = passChain.then(options.runPass);
    passChain = pass.then(
      (r) => {
        passes++;
        return r;
      },
      () => undefined,
    );
    return pass;
  }

  async function runLoop(): Promise<void> {
    while (!stopping) {
      let more = false;
      try {
        more = options.moreDue(await drainOnce());
      } catch (err) {
        options.onPassError(err);
      }
      if (!stopping && !more) await idle.sleep(options.pollIntervalMs);
    }
  }

  return {
    start() {
      if (loop) return;
      stopping = false;
      running = true;
      loop = runLoop().finally(() => {
        running = false;
      });
    },

    async stop() {
      stopping = true;
      idle.interrupt();
      await loop;
      loop = null;
      await passChain;
    },

    drainOnce,

    wake: () => idle.wake(),

    get running() {
      return running;
    },

    get passes() {
      return passes;
    },
  };
}

/** A sleep that `wake()` ends early, or skips when called while nobody sleeps. */
function createWakeableSleep(): { sleep(ms: number): Promise<void>; wake(): void; interrupt(): void } {
  let wakeUp: (() => void) | null = null;
  let wakeRequested = false;
  return {
    sleep(ms) {
      if (wakeRequested) {
        wakeRequested = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done(): void {
          clearTimeout(timer);
          wakeUp = null;
          resolve();
        }
        wakeUp = done;
      });
    },
    wake() {
      if (wakeUp) wakeUp();
      else wakeRequested = true;
    },
    /** Ends the current sleep, if any, without skipping the next one. */
    interrupt() {
      wakeUp?.();
    },
  };
}
