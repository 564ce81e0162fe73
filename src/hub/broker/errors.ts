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
  constructor(readonly key: string, detail: string) {
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
  constructor(readonly symbol: string, reason: string, options?: { cause?: unknown }) {
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
 * A live order failed at the exchange (or no exchange keys are available). Nothing was stored;
 * the owner was alerted (`order.error`). Retrying with the same idempotency key is safe: the
 * exchange deduplicates by client order id.
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
