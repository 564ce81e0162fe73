/**
 * The agent's client of the hub (`src/shared/wire.ts`; see docs/architecture.md).
 *
 * Pushes (status, logs, decisions) are fire-and-forget for the caller: they queue here and one
 * background pump delivers them in order decisions → logs → status. While the hub is down,
 * answers 5xx/408/429 or times out, the pump keeps them and retries with exponential backoff and
 * jitter; each push carries its idempotency key (`seq` for logs and status, `idempotencyKey`
 * for decisions) so a retry never makes a second row. Bounds: status keeps only the newest,
 * logs at most `maxBufferedLogs` (oldest debug/info dropped first, drops reported in a warn
 * entry), decisions at most `maxPendingDecisions`. A 4xx other than 408/429 is not retried.
 *
 * The hub answers a status push with a `StatusAck`; when it names the pushed position's trade as
 * closed by the hub (liquidated), `closedByHub()` says so until the next answer.
 *
 * Calls that need an answer (orders, LLM, candles, price) are direct requests. Orders are
 * retried with the same idempotency key until they succeed, are refused (4xx), or the caller's
 * signal aborts (the agent stops); the others are tried once and the caller decides.
 */
import type {
  CandlesResponse,
  DecisionPush,
  LlmRequest,
  LlmResponse,
  LogBatch,
  LogEntryWire,
  MarketPriority,
  OrderRequest,
  OrderResult,
  PriceResponse,
  StatusAck,
  StatusPush,
  WireLogLevel,
} from '../../src/shared/wire.js';
import { WIRE_LIMITS } from '../../src/shared/wire.js';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff.js';
import { realClock, type Clock } from './clock.js';
import { linkSignals } from './abort.js';
import { AgentStoppingError, HubRequestError } from './errors.js';
import { createHubTransport, type HubRequest, type HubTransport } from './hub-request.js';
import { createLogBuffer } from './log-buffer.js';

export interface HubClientOptions {
  hubUrl: string;
  agentId: string;
  /** Agent token (bearer); never logged. */
  token: string;
  /** First log `seq` (StartRequest.nextLogSeq). */
  firstLogSeq: number;
  clock?: Clock;
  /** Jitter source in [0, 1). */
  random?: () => number;
  fetch?: typeof fetch;
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

export interface HubClientStats {
  bufferedLogs: number;
  droppedLogs: number;
  pendingDecisions: number;
  droppedDecisions: number;
  statusPending: boolean;
  /** Consecutive failed push attempts (0 when the hub answers). */
  failures: number;
  nextLogSeq: number;
}

/** The hub calls the engine needs; `HubClient` implements it, tests may fake it. */
export interface HubApi {
  pushStatus(status: Omit<StatusPush, 'seq'>): void;
  /**
   * The trade the hub said, answering the latest delivered status push, it has closed (it
   * liquidated the pushed position), or null.
   */
  closedByHub?(): string | null;
  pushDecision(decision: DecisionPush): void;
  placeOrder(order: OrderRequest, signal?: AbortSignal): Promise<OrderResult>;
  llm(req: LlmRequest, signal?: AbortSignal): Promise<LlmResponse>;
  /** `priority: 'position'` asks the hub to serve this agent first (it holds a position). */
  candles(symbol: string, interval: string, limit: number, signal?: AbortSignal, priority?: MarketPriority): Promise<CandlesResponse>;
  price(symbol: string, signal?: AbortSignal, priority?: MarketPriority): Promise<PriceResponse>;
}

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

const MAX_DECISION_REASONING_CHARS = 4000;
/** While flushing for shutdown, never wait longer than this between attempts. */
const FLUSH_RETRY_CAP_MS = 250;

export function createHubClient(opts: HubClientOptions): HubClient {
  const clock = opts.clock ?? realClock;
  const random = opts.random ?? Math.random;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 5_000;
  const orderTimeoutMs = opts.orderTimeoutMs ?? 15_000;
  const llmTimeoutMs = opts.llmTimeoutMs ?? 60_000;
  const logFlushMs = opts.logFlushMs ?? 500;
  const logBatchSize = Math.min(opts.logBatchSize ?? 50, WIRE_LIMITS.maxLogEntriesPerBatch);
  const maxPendingDecisions = opts.maxPendingDecisions ?? 1_000;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const diagnostic = opts.diagnostic ?? (() => {});
  const transport: HubTransport = createHubTransport({ baseUrl: opts.hubUrl, token: opts.token, fetch: opts.fetch });
  const agentPath = `/internal/agents/${encodeURIComponent(opts.agentId)}`;

  const logs = createLogBuffer(opts.maxBufferedLogs ?? 10_000);
  const decisions: DecisionPush[] = [];
  let droppedDecisions = 0;
  let pendingStatus: StatusPush | null = null;
  let closedTradeId: string | null = null;
  let nextLogSeq = opts.firstLogSeq;
  let statusSeq = 0;
  let oldestLogAt: number | null = null;
  let unreportedDrops = 0;
  let dropReport: LogEntryWire | null = null;

  let closed = false;
  const closeCtl = new AbortController();
  let failures = 0;
  let nextAttemptAt = 0;
  let flushing = 0;
  let sending = false;
  let wakeCtl: AbortController | null = null;
  const drainWaiters = new Set<() => void>();

  const hasWork = () => pendingStatus !== null || decisions.length > 0 || logs.size > 0 || dropReport !== null;
  const kick = () => wakeCtl?.abort();

  /**
   * Every request to the hub. One that succeeds proves the hub is back (say, a new hub after a
   * crash): buffered pushes go now instead of at the end of their backoff (up to `backoff.maxMs`).
   */
  async function request<T>(req: HubRequest): Promise<T> {
    const answer = await transport<T>(req);
    if (failures > 0 && nextAttemptAt > clock.now()) {
      nextAttemptAt = clock.now();
      kick();
    }
    return answer;
  }

  /** When the next send is due (epoch ms), ignoring backoff; Infinity when idle. */
  function dueAt(now: number): number {
    if (pendingStatus || dropReport || decisions.length > 0 || logs.size >= logBatchSize) return now;
    if (logs.size > 0) return flushing > 0 ? now : (oldestLogAt ?? now) + logFlushMs;
    return Infinity;
  }

  async function pump(): Promise<void> {
    while (!closed) {
      const now = clock.now();
      const due = Math.max(dueAt(now), failures > 0 ? nextAttemptAt : 0);
      if (due > now) {
        wakeCtl = new AbortController();
        await clock.sleep(due === Infinity ? Infinity : due - now, wakeCtl.signal);
        wakeCtl = null;
        continue;
      }
      sending = true;
      try {
        await sendQueued();
      } finally {
        sending = false;
      }
      if (!hasWork()) for (const w of [...drainWaiters]) w();
    }
  }

  type Outcome = 'ok' | 'retry' | 'dropped';

  async function post(path: string, body: unknown, what: string, onAnswer?: (answer: unknown) => void): Promise<Outcome> {
    try {
      const answer = await request({ method: 'POST', path, body, timeoutMs: requestTimeoutMs, signal: closeCtl.signal });
      onAnswer?.(answer);
      if (failures > 0) diagnostic('info', `hub reachable again after ${failures} failed push attempt(s)`);
      failures = 0;
      return 'ok';
    } catch (err) {
      if (err instanceof AgentStoppingError) return 'retry';
      if (err instanceof HubRequestError && err.retryable) {
        failures++;
        if (failures === 1) diagnostic('warn', `hub push failed (${err.message}); buffering and retrying with backoff`);
        let delay = Math.max(backoffDelay(failures, backoff, random), err.retryAfterMs ?? 0);
        if (flushing > 0) delay = Math.min(delay, FLUSH_RETRY_CAP_MS);
        nextAttemptAt = clock.now() + delay;
        return 'retry';
      }
      diagnostic('error', `hub refused ${what}, not retrying: ${err instanceof Error ? err.message : String(err)}`);
      return 'dropped';
    }
  }

  async function sendQueued(): Promise<void> {
    while (decisions.length > 0 && !closed) {
      const d = decisions[0];
      if ((await post(`${agentPath}/decisions`, d, `decision ${d.idempotencyKey}`)) === 'retry') return;
      if (decisions[0] === d) decisions.shift();
    }

    unreportedDrops += logs.takeDropCount();
    if (unreportedDrops > 0 && !dropReport) {
      // Kept outside the buffer (so reporting a drop never causes one), sent with the last batch.
      const message = `dropped ${unreportedDrops} log entries: hub unreachable and the buffer is full`;
      diagnostic('warn', message);
      dropReport = makeEntry('warn', message);
      unreportedDrops = 0;
    }
    while ((logs.size > 0 || dropReport) && !closed) {
      const budget = WIRE_LIMITS.maxBodyBytes - 2048;
      let bytes = 16;
      const batch = logs.take(WIRE_LIMITS.maxLogEntriesPerBatch - 1, (entry, taken) => {
        bytes += Buffer.byteLength(JSON.stringify(entry)) + 1;
        return taken === 0 || bytes <= budget;
      });
      const report = logs.size === 0 ? dropReport : null;
      const entries = report ? [...batch, report] : batch;
      const body: LogBatch = { entries };
      const outcome = await post(`${agentPath}/logs`, body, `log batch ${entries[0].seq}..${entries[entries.length - 1].seq}`);
      if (outcome === 'retry') {
        logs.putBack(batch);
        return;
      }
      if (report) dropReport = null;
    }
    if (logs.size === 0) oldestLogAt = null;

    const status = pendingStatus;
    if (status && !closed) {
      const outcome = await post(`${agentPath}/status`, status, `status ${status.seq}`, (answer) => {
        const closed = (answer as Partial<StatusAck> | undefined)?.closedTradeId;
        closedTradeId = typeof closed === 'string' ? closed : null;
      });
      if (outcome === 'retry') return;
      if (pendingStatus === status) pendingStatus = null;
    }
  }

  function makeEntry(level: WireLogLevel, message: string, ts?: string): LogEntryWire {
    return {
      seq: nextLogSeq++,
      level,
      message: message.length > WIRE_LIMITS.maxLogMessageChars ? message.slice(0, WIRE_LIMITS.maxLogMessageChars - 1) + '…' : message,
      ts: ts ?? new Date(clock.now()).toISOString(),
    };
  }

  function queueLog(level: WireLogLevel, message: string, ts?: string): number {
    const entry = makeEntry(level, message, ts);
    if (logs.size === 0) oldestLogAt = clock.now();
    logs.push(entry);
    return entry.seq;
  }

  const loop = pump().catch((err: unknown) => {
    diagnostic('error', `hub push pump crashed: ${err instanceof Error ? err.message : String(err)}`);
  });

  return {
    log(level, message, ts) {
      const seq = queueLog(level, message, ts);
      kick();
      return seq;
    },

    closedByHub: () => closedTradeId,

    pushStatus(status) {
      statusSeq = Math.max(statusSeq + 1, clock.now());
      pendingStatus = { ...status, seq: statusSeq };
      kick();
    },

    pushDecision(decision) {
      const reasoning =
        decision.reasoning.length > MAX_DECISION_REASONING_CHARS
          ? decision.reasoning.slice(0, MAX_DECISION_REASONING_CHARS - 1) + '…'
          : decision.reasoning;
      decisions.push({ ...decision, reasoning });
      while (decisions.length > maxPendingDecisions) {
        decisions.shift();
        droppedDecisions++;
      }
      kick();
    },

    async placeOrder(order, signal) {
      const linked = linkSignals([signal, closeCtl.signal]);
      const abort = linked.signal;
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            return await request<OrderResult>({
              method: 'POST',
              path: `${agentPath}/orders`,
              body: order,
              timeoutMs: orderTimeoutMs,
              signal: abort,
            });
          } catch (err) {
            if (!(err instanceof HubRequestError) || !err.retryable) throw err;
            if (attempt === 1) {
              diagnostic('warn', `order ${order.idempotencyKey} not confirmed (${err.message}); retrying with the same key`);
            }
            await clock.sleep(Math.max(backoffDelay(attempt, backoff, random), err.retryAfterMs ?? 0), abort);
            if (abort.aborted) throw new AgentStoppingError(`order ${order.idempotencyKey}`);
          }
        }
      } finally {
        linked.dispose();
      }
    },

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

    async flush(timeoutMs) {
      if (closed) return !hasWork();
      if (!hasWork() && !sending) return true;
      flushing++;
      if (failures > 0) nextAttemptAt = Math.min(nextAttemptAt, clock.now());
      const deadline = new AbortController();
      let waiter: () => void = () => {};
      try {
        const drained = new Promise<boolean>((resolve) => {
          waiter = () => resolve(true);
          drainWaiters.add(waiter);
        });
        kick();
        return await Promise.race([drained, clock.sleep(timeoutMs, deadline.signal).then(() => !hasWork() && !sending)]);
      } finally {
        deadline.abort();
        drainWaiters.delete(waiter);
        flushing--;
      }
    },

    close() {
      if (closed) return;
      closed = true;
      closeCtl.abort();
      kick();
      void loop;
    },

    stats() {
      return {
        bufferedLogs: logs.size,
        droppedLogs: logs.totalDropped,
        pendingDecisions: decisions.length,
        droppedDecisions,
        statusPending: pendingStatus !== null,
        failures,
        nextLogSeq,
      };
    },
  };
}
