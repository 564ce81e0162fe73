/**
 * Time for the outbound queue and the live tail, injectable so tests run pacing, retry_after
 * waits and the 10-minute tail expiry without waiting. `systemClock` is the real one;
 * `createManualClock` only moves when told to.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

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
      for (const entry of timers) if (entry[1].at <= now && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[0] < next[0]))) next = entry;
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
  };
  return clock;
}
