/**
 * The background pump that delivers queued pushes (hub-push-queue.ts) to the hub. While the hub
 * is down, answers 5xx/408/429 or times out, the pump keeps the pushes and retries with
 * exponential backoff and jitter; a 4xx other than 408/429 is not retried (the push is dropped
 * and reported on stdout). Any request that reaches the hub (`hubAnswered`) ends the backoff
 * early: a new hub after a crash gets the buffered pushes at once.
 */
import type { WireLogLevel } from '../../src/shared/wire.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import type { Clock } from '../../src/shared/clock.js';
import { AgentStoppingError, HubRequestError } from './errors.js';
import type { HubRequest, PushFn } from './hub-request.js';
import type { PushQueue } from './hub-push-queue.js';

/** While flushing for shutdown, never wait longer than this between attempts. */
const FLUSH_RETRY_CAP_MS = 250;

type Diagnostic = (level: WireLogLevel, message: string) => void;

export interface PushPumpOptions {
  queue: PushQueue;
  /** Sends one request to the hub. */
  request: <T>(req: HubRequest) => Promise<T>;
  clock: Clock;
  /** Jitter source in [0, 1). */
  random: () => number;
  backoff: BackoffPolicy;
  /** Timeout of one push, ms. */
  requestTimeoutMs: number;
  /** Lines about the client itself (stdout only: pushing "the push failed" could loop). */
  diagnostic: Diagnostic;
}

export interface PushPump {
  /** Wakes the pump: something was queued, or it should look again. */
  kick(): void;
  /** A request reached the hub: end the push backoff now. */
  hubAnswered(): void;
  /**
   * Tries to deliver everything queued within `timeoutMs` (retrying quickly meanwhile).
   * Resolves true when nothing is left, false at the deadline.
   */
  flush(timeoutMs: number): Promise<boolean>;
  /** Stops the pump and abandons in-flight requests. */
  close(): void;
  /** Aborted by `close()`. */
  readonly closeSignal: AbortSignal;
  /** Consecutive failed push attempts (0 when the hub answers). */
  readonly failures: number;
}

export function createPushPump(opts: PushPumpOptions): PushPump {
  const { queue, clock, diagnostic } = opts;
  const retry = createPushRetry(opts);
  let closed = false;
  const closeCtl = new AbortController();
  let flushing = 0;
  let sending = false;
  let wakeCtl: AbortController | null = null;
  const drainWaiters = new Set<() => void>();

  const kick = () => wakeCtl?.abort();
  const isClosed = () => closed;
  const push = createPushSender(opts, retry, closeCtl.signal, () => flushing > 0);

  async function pump(): Promise<void> {
    while (!closed) {
      const now = clock.now();
      const due = Math.max(queue.dueAt(now, flushing > 0), retry.notBefore());
      if (due > now) {
        wakeCtl = new AbortController();
        await clock.sleep(due === Infinity ? Infinity : due - now, wakeCtl.signal);
        wakeCtl = null;
        continue;
      }
      sending = true;
      try {
        await queue.sendQueued(push, isClosed);
      } finally {
        sending = false;
      }
      if (!queue.hasWork()) for (const w of [...drainWaiters]) w();
    }
  }

  async function flush(timeoutMs: number): Promise<boolean> {
    if (closed) return !queue.hasWork();
    if (!queue.hasWork() && !sending) return true;
    flushing++;
    retry.hurry();
    const deadline = new AbortController();
    let waiter: () => void = () => {};
    try {
      const drained = new Promise<boolean>((resolve) => {
        waiter = () => resolve(true);
        drainWaiters.add(waiter);
      });
      kick();
      return await Promise.race([drained, clock.sleep(timeoutMs, deadline.signal).then(() => !queue.hasWork() && !sending)]);
    } finally {
      deadline.abort();
      drainWaiters.delete(waiter);
      flushing--;
    }
  }

  const loop = pump().catch((err: unknown) => {
    diagnostic('error', `hub push pump crashed: ${err instanceof Error ? err.message : String(err)}`);
  });

  return {
    kick,
    hubAnswered() {
      if (retry.hurry()) kick();
    },
    flush,
    close() {
      if (closed) return;
      closed = true;
      closeCtl.abort();
      kick();
      void loop;
    },
    closeSignal: closeCtl.signal,
    get failures() {
      return retry.failures;
    },
  };
}

/**
 * One push attempt: `ok` when the hub took it, `retry` (backing off) when it did not answer or
 * answered 5xx/408/429 or the client is closing, `dropped` when it refused the push for good.
 */
function createPushSender(opts: PushPumpOptions, retry: PushRetry, closeSignal: AbortSignal, isFlushing: () => boolean): PushFn {
  return async (path, body, what, onAnswer) => {
    try {
      const answer = await opts.request({ method: 'POST', path, body, timeoutMs: opts.requestTimeoutMs, signal: closeSignal });
      onAnswer?.(answer);
      retry.succeeded();
      return 'ok';
    } catch (err) {
      if (err instanceof AgentStoppingError) return 'retry';
      if (err instanceof HubRequestError && err.retryable) {
        retry.failed(err, isFlushing());
        return 'retry';
      }
      opts.diagnostic('error', `hub refused ${what}, not retrying: ${err instanceof Error ? err.message : String(err)}`);
      return 'dropped';
    }
  };
}

type PushRetry = ReturnType<typeof createPushRetry>;

/** Retry timing of pushes: consecutive failures and the earliest time of the next attempt. */
function createPushRetry(opts: { clock: Clock; random: () => number; backoff: BackoffPolicy; diagnostic: Diagnostic }) {
  const { clock, diagnostic } = opts;
  let failures = 0;
  let nextAttemptAt = 0;
  return {
    get failures() {
      return failures;
    },
    /** Epoch ms before which no push goes; 0 when not backing off. */
    notBefore: () => (failures > 0 ? nextAttemptAt : 0),
    succeeded() {
      if (failures > 0) diagnostic('info', `hub reachable again after ${failures} failed push attempt(s)`);
      failures = 0;
    },
    /** Backs off after a retryable failure; while flushing, waits at most `FLUSH_RETRY_CAP_MS`. */
    failed(err: HubRequestError, flushing: boolean) {
      failures++;
      if (failures === 1) diagnostic('warn', `hub push failed (${err.message}); buffering and retrying with backoff`);
      let delay = Math.max(backoffDelay(failures, opts.backoff, opts.random), err.retryAfterMs ?? 0);
      if (flushing) delay = Math.min(delay, FLUSH_RETRY_CAP_MS);
      nextAttemptAt = clock.now() + delay;
    },
    /** Makes a pending retry due now; true when it was waiting. */
    hurry(): boolean {
      if (failures > 0 && nextAttemptAt > clock.now()) {
        nextAttemptAt = clock.now();
        return true;
      }
      return false;
    },
  };
}
