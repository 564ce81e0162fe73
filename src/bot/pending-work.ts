/**
 * Work started and not awaited by whoever started it (a send, a database write, a tail round),
 * remembered until it settles so that `stop()` and the tests can wait for it.
 */
export interface PendingWork {
  /** Remembers `p` until it settles and returns it; a rejection is the caller's to handle. */
  track<T>(p: Promise<T>): Promise<T>;
  /** Pieces of work still running. */
  size(): number;
  /** The work running now. */
  list(): Array<Promise<unknown>>;
  /** Resolves once nothing is left, work tracked while waiting included. */
  drained(): Promise<void>;
}

export function createPendingWork(): PendingWork {
  const running = new Set<Promise<unknown>>();
  return {
    track(p) {
      running.add(p);
      void p.finally(() => running.delete(p)).catch(() => {});
      return p;
    },
    size: () => running.size,
    list: () => [...running],
    async drained() {
      while (running.size) await Promise.allSettled([...running]);
    },
  };
}
