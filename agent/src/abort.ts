/**
 * Abort-signal plumbing without leaks: `AbortSignal.any` on a long-lived signal (the session's
 * stop signal) accumulates listeners per call, so requests link signals here and unlink them
 * when done.
 */

export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** True when the timeout (not a source signal) fired. */
  readonly timedOut: boolean;
  /** Removes the listeners and the timer. Call when the guarded work is over. */
  dispose(): void;
}

/** A signal that aborts when any of `sources` aborts, or after `timeoutMs` (if given). */
export function linkSignals(sources: ReadonlyArray<AbortSignal | undefined>, timeoutMs?: number): LinkedSignal {
  const ctl = new AbortController();
  let timedOut = false;
  const onAbort = () => ctl.abort();
  const live = sources.filter((s): s is AbortSignal => s !== undefined);
  for (const s of live) {
    if (s.aborted) ctl.abort();
    else s.addEventListener('abort', onAbort, { once: true });
  }
  const timer =
    timeoutMs !== undefined && Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          timedOut = true;
          ctl.abort();
        }, timeoutMs)
      : undefined;
  return {
    signal: ctl.signal,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      if (timer) clearTimeout(timer);
      for (const s of live) s.removeEventListener('abort', onAbort);
    },
  };
}
