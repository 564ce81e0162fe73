/** Retry delays of the chain outbox: exponential, capped, with jitter. */

export interface BackoffOptions {
  /** Delay after the first failure, in ms. Default 1 000. */
  baseMs?: number;
  /** Largest delay, in ms. Default 60 000. */
  maxMs?: number;
  /**
   * Share of the delay that is randomised, 0..1. Default 0.5: the delay is drawn uniformly
   * from [d × 0.5, d] where d = min(maxMs, baseMs × 2^(attempt − 1)).
   */
  jitter?: number;
  /** Uniform random source in [0, 1); default `Math.random` (inject a fixed one in tests). */
  random?: () => number;
}

/** `attempt` is 1 after the first failure. Returns a delay in ms. */
export type Backoff = (attempt: number) => number;

export function exponentialBackoff(options: BackoffOptions = {}): Backoff {
  const baseMs = options.baseMs ?? 1_000;
  const maxMs = options.maxMs ?? 60_000;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const random = options.random ?? Math.random;
  return (attempt) => {
    const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
    const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
    return Math.round(ceiling * (1 - jitter * random()));
  };
}
