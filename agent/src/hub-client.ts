/**
 * The agent's client of the hub (protocol: docs/architecture.md; shapes: `src/shared/wire.ts`).
 *
 * Pushes (status, logs, decisions) are fire-and-forget for the caller: they queue
 * (hub-push-queue.ts) and one background pump (hub-push-pump.ts) delivers them in order
 * decisions → logs → status, retrying with backoff while the hub is unreachable.
 *
 * Every request goes to one of the hub's URLs and fails over to the next when that replica stops
 * answering (hub-failover.ts).
 *
 * Calls that need an answer (orders, LLM, candles, price) are direct requests. Orders are
 * retried with the same idempotency key until they succeed, are refused (4xx), or the caller's
 * signal aborts (the agent stops); the others are tried once and the caller decides.
 */
import type { CandlesResponse, LlmResponse, OrderRequest, OrderResult, PriceResponse, WireLogLevel } from '../../src/shared/wire.js';
import { WIRE_LIMITS } from '../../src/shared/wire.js';
import { linkSignals } from './abort.js';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff.js';
import { systemClock, type Clock } from '../../src/shared/clock.js';
import type { EngineHub } from '../../src/engine/ports.js';
import { AgentStoppingError, HubRequestError } from './errors.js';
import { createPushPump } from './hub-push-pump.js';
import { createPushQueue, type PushQueueStats } from './hub-push-queue.js';
import { createFailoverTransport } from './hub-failover.js';
import type { HubFetch } from './http-fetch.js';
import type { HubRequest } from './hub-request.js';

export interface HubClientOptions {
  /** One hub URL (the single-hub form); `hubUrls` wins when both are given. */
  hubUrl?: string;
  /**
   * Every hub replica's URL, in order of preference: requests fail over to the next one when the
   * current one stops answering (hub-failover.ts).
   */
  hubUrls?: readonly string[];
  agentId: string;
  /** Agent token (bearer); never logged. */
  token: string;
  /** First log `seq` (StartRequest.nextLogSeq). */
  firstLogSeq: number;
  clock?: Clock;
  /** Jitter source in [0, 1). */
  random?: () => number;
  fetch?: HubFetch;
  /** Timeout of pushes, candles and price requests, ms. Default 5000. */
  requestTimeoutMs?: number;
  /** Timeout of one order attempt, ms. Default 15000. */
  orderTimeoutMs?: number;
  /** Timeout of an LLM completion, ms. Default 60000. */
  llmTimeoutMs?: number;
  /** Longest time a log entry waits for a batch, ms. Default 500. */
  logFlushMs?: number;
  /** Entries that trigger a log push at once. Default 50. */
  logBatchSize?: number;
  /** Log entries kept while the hub is unreachable. Default 10000. */
  maxBufferedLogs?: number;
  /** Decisions kept while the hub is unreachable. Default 1000 (oldest dropped). */
  maxPendingDecisions?: number;
  backoff?: BackoffPolicy;
  /**
   * Lines about the client itself (hub unreachable, push refused). They go to stdout only:
   * pushing "the push failed" to the hub could loop.
   */
  diagnostic?: (level: WireLogLevel, message: string) => void;
}

export interface HubClientStats extends PushQueueStats {
  /** Consecutive failed push attempts (0 when the hub answers). */
  failures: number;
  /** The hub URL requests go to now (the one that last worked). */
  hubUrl: string;
}

/** The hub calls the engine needs (src/engine/ports.ts); `HubClient` implements them, tests may fake them. */
export type HubApi = EngineHub;

export interface HubClient extends HubApi {
  /** Queues a log entry for the hub; returns its `seq`. Messages are cut to the wire limit. */
  log(level: WireLogLevel, message: string, ts?: string): number;
  /**
   * Tries to deliver everything queued within `timeoutMs` (retrying quickly meanwhile).
   * Resolves true when nothing is left, false at the deadline.
   */
  flush(timeoutMs: number): Promise<boolean>;
  /** Stops the pump and abandons in-flight requests; queued pushes are discarded. */
  close(): void;
  stats(): HubClientStats;
}

export function createHubClient(opts: HubClientOptions): HubClient {
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 5_000;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const diagnostic = opts.diagnostic ?? (() => {});
  const hubs = createFailoverTransport({
    baseUrls: opts.hubUrls?.length ? opts.hubUrls : [opts.hubUrl ?? ''],
    token: opts.token,
    fetch: opts.fetch,
    diagnostic,
  });
  const agentPath = `/internal/agents/${encodeURIComponent(opts.agentId)}`;

  const queue = createPushQueue({
    clock,
    agentPath,
    firstLogSeq: opts.firstLogSeq,
    logFlushMs: opts.logFlushMs ?? 500,
    logBatchSize: Math.min(opts.logBatchSize ?? 50, WIRE_LIMITS.maxLogEntriesPerBatch),
    maxBufferedLogs: opts.maxBufferedLogs ?? 10_000,
    maxPendingDecisions: opts.maxPendingDecisions ?? 1_000,
    diagnostic,
  });
  const pump = createPushPump({ queue, request, clock, random, backoff, requestTimeoutMs, diagnostic });

  /**
   * Every request to the hub. One that succeeds proves the hub is back (say, a new hub after a
   * crash): buffered pushes go now instead of at the end of their backoff (up to `backoff.maxMs`).
   */
  async function request<T>(req: HubRequest): Promise<T> {
    const answer = await hubs.request<T>(req);
    pump.hubAnswered();
    return answer;
  }

  const orderRetry: OrderRetry = {
    request,
    path: `${agentPath}/orders`,
    timeoutMs: opts.orderTimeoutMs ?? 15_000,
    closeSignal: pump.closeSignal,
    clock,
    backoff,
    random,
    diagnostic,
  };
  const llmTimeoutMs = opts.llmTimeoutMs ?? 60_000;

  return {
    log(level, message, ts) {
      const seq = queue.log(level, message, ts);
      pump.kick();
      return seq;
    },

    closedByHub: () => queue.closedByHub(),

    pushStatus(status) {
      queue.status(status);
      pump.kick();
    },

    pushDecision(decision) {
      queue.decision(decision);
      pump.kick();
    },

    placeOrder: (order, signal) => placeOrderUntilSettled(orderRetry, order, signal),

    llm(req, signal) {
      return request<LlmResponse>({ method: 'POST', path: `${agentPath}/llm`, body: req, timeoutMs: llmTimeoutMs, signal });
    },

    candles(symbol, interval, limit, signal, priority) {
      const q = new URLSearchParams({ symbol, interval, limit: String(limit), ...(priority ? { priority } : {}) });
      return request<CandlesResponse>({ method: 'GET', path: `/internal/market/candles?${q}`, timeoutMs: requestTimeoutMs, signal });
    },

    price(symbol, signal, priority) {
      const q = new URLSearchParams({ symbol, ...(priority ? { priority } : {}) });
      return request<PriceResponse>({ method: 'GET', path: `/internal/market/price?${q}`, timeoutMs: requestTimeoutMs, signal });
    },

    flush: (timeoutMs) => pump.flush(timeoutMs),
    close: () => pump.close(),
    stats: () => ({ ...queue.stats(), failures: pump.failures, hubUrl: hubs.current() }),
  };
}

/** What an order's retries need: the hub, the bounds and the backoff. */
interface OrderRetry {
  request: <T>(req: HubRequest) => Promise<T>;
  path: string;
  /** Timeout of one attempt, ms. */
  timeoutMs: number;
  /** The client's close: abandons the order like the caller's signal does. */
  closeSignal: AbortSignal;
  clock: Clock;
  backoff: BackoffPolicy;
  random: () => number;
  diagnostic: (level: WireLogLevel, message: string) => void;
}

/**
 * Sends the order with its idempotency key, and again with the same key after every retryable
 * failure, until the hub answers or refuses it (4xx) or the caller's signal or the client's close
 * aborts (`AgentStoppingError`).
 */
async function placeOrderUntilSettled(r: OrderRetry, order: OrderRequest, signal?: AbortSignal): Promise<OrderResult> {
  const linked = linkSignals([signal, r.closeSignal]);
  const abort = linked.signal;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await r.request<OrderResult>({ method: 'POST', path: r.path, body: order, timeoutMs: r.timeoutMs, signal: abort });
      } catch (err) {
        if (!(err instanceof HubRequestError) || !err.retryable) throw err;
        if (attempt === 1) {
          r.diagnostic('warn', `order ${order.idempotencyKey} not confirmed (${err.message}); retrying with the same key`);
        }
        await r.clock.sleep(Math.max(backoffDelay(attempt, r.backoff, r.random), err.retryAfterMs ?? 0), abort);
        if (abort.aborted) throw new AgentStoppingError(`order ${order.idempotencyKey}`);
      }
    }
  } finally {
    linked.dispose();
  }
}
