/**
 * What the engine needs from the program that runs it, and nothing more: the hub's calls
 * (`EngineHub`), a logger (`EngineLog`) and the errors those calls may throw. The agent program
 * implements them over HTTP (agent/src/hub-client.ts, agent/src/agent-log.ts); a backtest
 * implements them over historical bars and the paper fill model (src/hub/backtest), so both run
 * this one engine.
 */
import type {
  CandlesResponse,
  DecisionPush,
  LlmRequest,
  LlmResponse,
  MarketPriority,
  OrderRequest,
  OrderResult,
  PriceResponse,
  StatusPush,
} from '../shared/wire.js';

/** The hub calls the engine makes. */
export interface EngineHub {
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

/** The engine's log lines (one per change, never one per quiet tick). */
export interface EngineLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * A hub request that did not succeed. `status` is null when no HTTP answer came (refused,
 * reset, timeout). `retryable` is true for those and for 5xx, 408 and 429.
 */
export class HubRequestError extends Error {
  override readonly name = 'HubRequestError';
  constructor(
    message: string,
    readonly path: string,
    readonly status: number | null,
    readonly retryable: boolean,
    /** The hub's `error` code when it sent one. */
    readonly code: string | null = null,
    /** From a `Retry-After` header, in ms. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/** The agent is stopping: a wait or a retried request was abandoned on purpose. */
export class AgentStoppingError extends Error {
  override readonly name = 'AgentStoppingError';
  constructor(what = 'request') {
    super(`${what} abandoned: agent stopping`);
  }
}

/** The message of an unknown thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
