/**
 * Exponential backoff with jitter for retried hub pushes and orders.
 */

export interface BackoffPolicy {
  /** Delay before the first retry, ms. */
  baseMs: number;
  /** Upper bound of any delay, ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 30_000 };

/**
 * Delay in ms before retry number `attempt` (1 = first retry): `min(max, base·2^(attempt-1))`
 * scaled by a factor in [0.5, 1) from `random` ("equal jitter"), so many agents that lost the
 * hub at the same moment do not come back in lockstep.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(exp * (0.5 + random() * 0.5));
}
