/**
 * The narrow, venue-neutral interface the hub broker uses for live trading.
 *
 * One implementation per venue (today: HashKey Global, `./hashkey/exchange.ts`). The broker knows
 * only this file: it places market orders keyed by an idempotency key, reads balances, and checks
 * a user's credentials. Quantities are in base units (BTC for `BTCUSDT`), prices in quote units
 * (USDT for `BTCUSDT`).
 */

export type OrderSide = 'BUY' | 'SELL';

/** A market order request. `clientOrderId` is the broker's idempotency key for this intent. */
export interface MarketOrderRequest {
  /** Exchange symbol, e.g. `BTCUSDT`. */
  symbol: string;
  side: OrderSide;
  /** Base quantity. Implementations round it down to the venue's step size before sending. */
  quantity: number;
  /**
   * Idempotency key, sent as the venue's client order id. Calling `marketOrder` again with the
   * same key never places a second order: it resolves the fill of the first one.
   */
  clientOrderId: string;
}

/**
 * `filled`: the whole quantity executed. `partial`: the order ended (IOC/cancel) with part of the
 * quantity executed; `quantity` says how much.
 */
export type FillStatus = 'filled' | 'partial';

/** The resolved execution of one order. */
export interface Fill {
  /** The venue's order id. */
  orderId: string;
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  /** Average execution price in quote units per base unit. */
  price: number;
  /** Executed base quantity (before fees). */
  quantity: number;
  /** Executed quote value (price × quantity summed over fills), in quote units. */
  quoteQuantity: number;
  /** Total fee charged, in units of `feeAsset` (0 when none was charged). */
  fee: number;
  /**
   * Asset the fee was charged in (e.g. `BTC` on a buy, `USDT` on a sell); '' when fee is 0. In the
   * rare case executions were charged in several assets they are comma-joined (and `fee` is their sum).
   */
  feeAsset: string;
  status: FillStatus;
  /** Time the venue reported for the order's last update, epoch ms. */
  time: number;
}

/** One asset's balance. All amounts in units of `asset`. */
export interface Balance {
  asset: string;
  /** Available for new orders. */
  free: number;
  /** Held by open orders. */
  locked: number;
  total: number;
}

/**
 * What the venue holds under one client order id:
 * - `absent`: no such order (yet: see `Exchange.orderArrivalWindowMs`);
 * - `working`: placed, not in a final state yet;
 * - `unfilled`: final with nothing executed (cancelled, expired, rejected);
 * - `filled`: final with an execution (all or part of the quantity), resolved as `marketOrder` does.
 */
export type OrderLookup =
  { state: 'absent' } | { state: 'working'; status: string } | { state: 'unfilled'; status: string } | { state: 'filled'; fill: Fill };

/** A venue the broker can trade on with one user's credentials. */
export interface Exchange {
  /** Short venue name for logs and messages, e.g. `hashkey`. */
  readonly name: string;
  /**
   * How long after an order request was sent the venue may still accept it (ms). A lookup that
   * finds no order under a client order id this long after the last request for it ended is
   * final: that order never will exist. (HashKey: signed requests expire after `recvWindow`.)
   */
  readonly orderArrivalWindowMs: number;
  /**
   * Place a market order and resolve its fill. Idempotent per `clientOrderId`.
   * @throws ExchangeError; with `nothingExecuted` when the venue certainly executed nothing
   *   (refused before or at placement, or ended unfilled: OrderNotFilledError); without it the
   *   outcome is unknown (kind `unavailable`, ...): look it up with `findOrder`.
   */
  marketOrder(request: MarketOrderRequest): Promise<Fill>;
  /** What the venue holds under `clientOrderId` (reconciling after a crash or an unknown outcome). */
  findOrder(clientOrderId: string): Promise<OrderLookup>;
  /** Spot balances of the account; assets with a zero total may be omitted. */
  balances(): Promise<Balance[]>;
  /** Resolves when the credentials are valid and may read the account; throws kind `auth` otherwise. */
  checkCredentials(): Promise<void>;
}

/**
 * What went wrong, in the broker's words:
 * - `auth`: key/secret missing, wrong, expired, wrong environment, IP not whitelisted, no permission.
 * - `insufficient_balance`: not enough free funds for the order.
 * - `rate_limited`: the venue asked us to slow down; retry later.
 * - `timestamp`: the request's timestamp was outside the venue's window (clock skew).
 * - `duplicate_order`: the client order id was already used.
 * - `order_not_found`: no such order.
 * - `rejected`: the order breaks the symbol's trading rules or did not execute.
 * - `bad_request`: the venue refused a parameter.
 * - `unavailable`: no answer, timeout, or a venue-side internal error; the outcome may be unknown.
 * - `unknown`: anything else.
 */
export type ExchangeErrorKind =
  | 'auth'
  | 'insufficient_balance'
  | 'rate_limited'
  | 'timestamp'
  | 'duplicate_order'
  | 'order_not_found'
  | 'rejected'
  | 'bad_request'
  | 'unavailable'
  | 'unknown';

/** Base class of every error an `Exchange` throws. Messages never contain secrets or signatures. */
export class ExchangeError extends Error {
  override name = 'ExchangeError';
  readonly kind: ExchangeErrorKind;
  /**
   * True when the venue certainly executed nothing for the order this failure is about (see
   * `nothingExecuted`); false when that is not known (an order may exist: look it up).
   */
  nothingExecuted = false;

  constructor(kind: ExchangeErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }

  /** True when retrying the same request later may succeed. */
  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable' || this.kind === 'timestamp';
  }
}

/** The order reached a final state without executing anything (e.g. an IOC with no liquidity). */
export class OrderNotFilledError extends ExchangeError {
  override name = 'OrderNotFilledError';
  constructor(
    readonly orderId: string,
    readonly clientOrderId: string,
    readonly status: string,
  ) {
    super('rejected', `order ${orderId} (client id ${clientOrderId}) ended ${status} with nothing executed`);
    this.nothingExecuted = true;
  }
}

/**
 * Marks `error` as a failure after which the venue certainly executed nothing for the order
 * (refused before or at placement: trading rules, balance, keys, rate limit, no answer before the
 * order request was sent). Returns the same ExchangeError, or one of kind `unknown` wrapping
 * anything else.
 */
export function nothingExecuted(error: unknown): ExchangeError {
  const marked =
    error instanceof ExchangeError
      ? error
      : new ExchangeError('unknown', `order not sent: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  marked.nothingExecuted = true;
  return marked;
}

/**
 * The order was accepted but did not reach a final state while we waited. Retrying `marketOrder`
 * with the same `clientOrderId` resumes resolution without placing a new order.
 */
export class FillUnresolvedError extends ExchangeError {
  override name = 'FillUnresolvedError';
  constructor(
    readonly orderId: string,
    readonly clientOrderId: string,
    readonly status: string,
  ) {
    super('unavailable', `order ${orderId} (client id ${clientOrderId}) still ${status}; fill not resolved yet`);
  }
}
