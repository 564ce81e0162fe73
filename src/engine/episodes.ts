/**
 * Once-per-episode logging: a condition that persists over many ticks (stale data, an
 * unreachable endpoint, warming up) is logged when it starts and when it ends, not every tick.
 */

export interface Episodes {
  /** Runs `onStart` only if the episode `key` is not already active. Returns true when it started. */
  enter(key: string, onStart: () => void): boolean;
  /** Ends the episode `key`; runs `onEnd` only if it was active. */
  exit(key: string, onEnd?: () => void): void;
  active(key: string): boolean;
}

export function createEpisodes(): Episodes {
  const activeKeys = new Set<string>();
  return {
    enter(key, onStart) {
      if (activeKeys.has(key)) return false;
      activeKeys.add(key);
      onStart();
      return true;
    },
    exit(key, onEnd) {
      if (activeKeys.delete(key)) onEnd?.();
    },
    active: (key) => activeKeys.has(key),
  };
}
