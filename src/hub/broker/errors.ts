/**
 * Typed errors of the broker and the decision recorder. `userMessage` is safe to show the trader;
 * `httpStatus` is what the internal API answers (the HTTP adapter reads it, the core never
 * speaks HTTP otherwise).
 */
import type { ExchangeErrorKind } from '../exchange/exchange.js';
import { HubError } from '../errors.js';

export abstract class BrokerError extends HubError {
  abstract readonly httpStatus: number;
  /** Stable snake_case code sent as the HTTP body's `error` (agents branch on it). */
  abstract readonly code: string;
  /** Seconds after which a retry with the same key may succeed (sent as `Retry-After`). */
  readonly retryAfterSeconds?: number;
}

/** An open for an agent that is not running (created, stopping, stopped, failed): not retried. */
export class AgentNotRunningError extends BrokerError {
  override name = 'AgentNotRunningError';
  readonly httpStatus = 409;
  readonly code = 'agent_not_running';
  constructor(readonly status: string) {
    super(`Open refused: the agent is ${status}, not running`, `The agent is ${status}: it opens no new position until it runs again.`);
  }
}

/**
 * An open for an agent its owner paused (/pause): the running agent holds back by itself once it
 * has the setting; this refusal holds until then, and for any agent that did not get it.
 */
export class AgentPausedError extends BrokerError {
  override name = 'AgentPausedError';
  readonly httpStatus = 409;
  readonly code = 'agent_paused';
  constructor() {
    super('Open refused: the agent is paused by its owner', 'The agent is paused: it opens no new position until you /resume it.');
  }
}

/**
 * An open for an agent that is still starting: its first order can arrive a few milliseconds
 * before the hub records it running, so the agent is asked to retry (503, `Retry-After`).
 */
export class AgentStartingError extends BrokerError {
  override name = 'AgentStartingError';
  readonly httpStatus = 503;
  readonly code = 'agent_starting';
  override readonly retryAfterSeconds = 1;
  constructor() {
    super('Open refused: the agent is still starting', 'The agent is still starting; retry the order in a moment.');
  }
}

/**
 * Another live order of this agent is out at the exchange (or its outcome is not known yet):
 * until it is recorded, the position is unknown, so no other order is accepted.
 */
export class OrderInFlightError extends BrokerError {
  override name = 'OrderInFlightError';
  readonly httpStatus = 409;
  readonly code = 'order_in_flight';
  constructor(readonly clientOrderId: string) {
    super(
      `Order refused: order ${clientOrderId} of this agent is still at the exchange`,
      `Order ${clientOrderId} of this agent is still being executed at the exchange; send new orders once it is answered.`,
    );
  }
}

/**
 * The quote a live order would be sized on is too old or could not be refreshed: sizing on it
 * could spend more (or less) than the amount. Not retried with the same key; the agent's next
 * decision sends a new order.
 */
export class QuoteStaleError extends BrokerError {
  override name = 'QuoteStaleError';
  readonly httpStatus = 409;
  readonly code = 'quote_stale';
  constructor(
    readonly symbol: string,
    detail: string,
  ) {
    super(
      `Live order refused: the ${symbol} quote is ${detail}`,
      `Live order not sent: the ${symbol} price is ${detail}, too old to size a real order on.`,
    );
  }
}

/** Simulated market data never sizes a real order. */
export class SimulatedQuoteError extends BrokerError {
  override name = 'SimulatedQuoteError';
  readonly httpStatus = 422;
  readonly code = 'live_quote_simulated';
  constructor(readonly symbol: string) {
    super(
      `Live order refused: the ${symbol} quote is simulated`,
      `Live order not sent: this hub's market data is simulated (MARKET_DATA=simulated), and a real order is never sized on a simulated price. Use real market data or turn live mode off.`,
    );
  }
}

/**
 * The live order's outcome is not known yet (no answer, or not final): its intent stays open and
 * the reconciler resolves it by client order id. Retrying with the same key is safe: it finds the
 * intent and looks the order up, never placing a second one.
 */
export class LiveOrderPendingError extends BrokerError {
  override name = 'LiveOrderPendingError';
  readonly httpStatus = 502;
  readonly code = 'live_order_pending';
  override readonly retryAfterSeconds = 2;
  constructor(
    readonly clientOrderId: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Live order ${clientOrderId} not confirmed yet: ${detail}`,
      `The exchange has not confirmed order ${clientOrderId} yet (${detail}); retry with the same key.`,
    );
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The order is malformed for the action (an open without a side or an amount, …). */
export class InvalidOrderError extends BrokerError {
  override name = 'InvalidOrderError';
  readonly httpStatus = 400;
  readonly code = 'invalid_order';
}

/** An open while a position is open. */
export class PositionAlreadyOpenError extends BrokerError {
  override name = 'PositionAlreadyOpenError';
  readonly httpStatus = 409;
  readonly code = 'position_open';
  constructor(readonly tradeId: string) {
    super(`A position (trade ${tradeId}) is already open`, 'This agent already holds an open position; close it before opening another.');
  }
}

/** A close while flat. */
export class NoOpenPositionError extends BrokerError {
  override name = 'NoOpenPositionError';
  readonly httpStatus = 409;
  readonly code = 'no_position';
  constructor() {
    super('No open position to close', 'This agent has no open position to close.');
  }
}

/** The idempotency key already names another order (another action, or another agent's). */
export class IdempotencyKeyConflictError extends BrokerError {
  override name = 'IdempotencyKeyConflictError';
  readonly httpStatus = 409;
  readonly code = 'idempotency_conflict';
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`Idempotency key ${key} ${detail}`, `Idempotency key ${key} ${detail}; use a new key for a new order.`);
  }
}

/** The agent record does not exist (deleted while it was running). */
export class BrokerAgentNotFoundError extends BrokerError {
  override name = 'AgentNotFoundError';
  readonly httpStatus = 404;
  readonly code = 'agent_not_found';
  constructor(agentId: string) {
    super(`Agent ${agentId} does not exist`);
  }
}

/** No usable last price for a paper fill (or to size a live order). */
export class PriceUnavailableError extends BrokerError {
  override name = 'PriceUnavailableError';
  readonly httpStatus = 503;
  readonly code = 'price_unavailable';
  constructor(
    readonly symbol: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`No price for ${symbol}: ${reason}`, `No market price for ${symbol} right now (${reason}); the order was not executed.`);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** HashKey Global is spot only: a live agent cannot sell what it does not hold. */
export class LiveShortUnsupportedError extends BrokerError {
  override name = 'LiveShortUnsupportedError';
  readonly httpStatus = 422;
  readonly code = 'live_short_unsupported';
  constructor(symbol: string) {
    super(
      `Live short on ${symbol} refused: HashKey Global spot cannot open short positions`,
      `Live trading on HashKey Global is spot only, so a short on ${symbol} cannot be opened. Only longs are traded live; turn live mode off to paper-trade shorts.`,
    );
  }
}

/**
 * A live order failed at the exchange (or no exchange keys are available): the exchange holds no
 * execution for it, no trade was stored, the owner was alerted (`order.error`). Retrying with the
 * same idempotency key is safe: the exchange deduplicates by client order id.
 */
export class LiveOrderError extends BrokerError {
  override name = 'LiveOrderError';
  /**
   * 502 `live_order_failed` when trying again may work (exchange down, rate limited): the agent
   * retries with the same key. 422 `live_order_rejected` when it cannot (bad keys, insufficient
   * balance, a refused order): the agent stops retrying, so one problem is one alert, not a loop.
   */
  readonly httpStatus: number;
  readonly code: string;
  constructor(
    readonly kind: ExchangeErrorKind,
    readonly retryable: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message);
    this.httpStatus = retryable ? 502 : 422;
    this.code = retryable ? 'live_order_failed' : 'live_order_rejected';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
