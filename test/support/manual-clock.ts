/**
 * A clock for tests that only moves when told to: `advance` and `runNext` fire due timers in
 * order, synchronously, so the outbound queue's pacing, retry_after waits and the live tail's
 * expiry run without waiting. `sleep` waits on the same timers.
 */
import { sleepOn, type Clock } from '../../src/shared/clock.js';

export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void;
  /** Jumps to the next pending timer and fires it (and any due with it); false when none. */
  runNext(): boolean;
  /** Due time of the next timer, if any. */
  nextAt(): number | undefined;
  pending(): number;
}

export function createManualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();

  function fireDue(): void {
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of timers)
        if (entry[1].at <= now && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[0] < next[0]))) next = entry;
      if (!next) return;
      timers.delete(next[0]);
      next[1].fn();
    }
  }

  const clock: ManualClock = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const at = clock.nextAt();
        if (at === undefined || at > target) break;
        now = Math.max(now, at);
        fireDue();
      }
      now = target;
    },
    runNext() {
      const at = clock.nextAt();
      if (at === undefined) return false;
      now = Math.max(now, at);
      fireDue();
      return true;
    },
    nextAt() {
      let min: number | undefined;
      for (const t of timers.values()) if (min === undefined || t.at < min) min = t.at;
      return min;
    },
    pending: () => timers.size,
    sleep: (ms, signal) => sleepOn(clock, ms, signal),
  };
  return clock;
}
