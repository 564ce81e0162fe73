/**
 * A small REST client for HashKey Global spot trading (see `README-decision.md` for why not ccxt).
 *
 * - Public endpoints (`/api/v1/time`, `/api/v1/exchangeInfo`, `/quote/v1/*`) need no key.
 * - Signed endpoints (orders, account) are signed with `recvWindow` and a server-synced
 *   `timestamp`; a `-1021` answer resyncs the clock and retries once. transport.ts holds these
 *   rules and the error mapping; this file maps each endpoint to its parameters and parser.
 * - The client does not check trading rules itself: run `validateOrder` (filters.ts) first, as
 *   `createHashKeyExchange` does.
 */
import type { Candle, Interval } from '../../../shared/market.js';
import type { OrderSide } from '../exchange.js';
import { OrderRejectedLocallyError } from './errors.js';
import { toDecimalString } from './decimal.js';
import {
  parseAccountTrades,
  parseBalances,
  parseExchangeInfo,
  parseKlines,
  parseOrderAck,
  parseOrderState,
  parseTickerPrice,
  type AccountTrade,
  type AssetBalance,
  type ExchangeInfo,
  type OrderAck,
  type OrderState,
} from './responses.js';
import type { Params } from './signing.js';
import { createHashKeyTransport } from './transport.js';

export const HASHKEY_PRODUCTION_URL = 'https://api-glb.hashkey.com';
export const HASHKEY_SANDBOX_URL = 'https://api-glb.sim.hashkeydev.com';

/** Artic interval → HashKey kline interval (the spellings happen to match; kept explicit). */
export const HASHKEY_INTERVALS: Record<Interval, string> = {
  '1m': '1m',
  '5m': '5m',
  '15m': '15m',
  '30m': '30m',
  '1h': '1h',
  '4h': '4h',
  '1d': '1d',
};

/** Most candles one klines request returns. */
export const MAX_KLINES = 1000;

export interface HashKeyClientOptions {
  /** API key; needed for signed endpoints only. */
  apiKey?: string;
  /** API secret; never logged, never put in an error message. */
  secret?: string;
  /** Overrides `sandbox`; e.g. a local stand-in server's URL. */
  baseUrl?: string;
  /** Use the sandbox host `api-glb.sim.hashkeydev.com` instead of production. */
  sandbox?: boolean;
  /** `recvWindow` sent with signed requests, ms. Default 5000 (the documented default). */
  recvWindowMs?: number;
  /** Per-request timeout, ms. Default 10 000. */
  timeoutMs?: number;
  /** Injected fetch (tests). Default: global fetch. */
  fetch?: typeof fetch;
  /** Local clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

export interface PlaceOrderRequest {
  symbol: string;
  side: OrderSide;
  type: 'MARKET' | 'LIMIT';
  /** Base quantity (v1.1 semantics: always base, also for MARKET BUY). */
  quantity?: number | string;
  /** Quote amount to spend (BUY) or receive (SELL); MARKET only, instead of `quantity`. */
  amount?: number | string;
  /** Limit price in quote units; LIMIT only. */
  price?: number | string;
  /** Sent as `newClientOrderId`; a repeat is refused with `-1141` (kind `duplicate_order`). */
  clientOrderId: string;
  timeInForce?: 'GTC' | 'IOC' | 'FOK';
}

/** Identifies one order by the exchange's id or by our client order id. */
export type OrderRef = { orderId: string; clientOrderId?: undefined } | { clientOrderId: string; orderId?: undefined };

export interface AccountTradesQuery {
  symbol?: string;
  clientOrderId?: string;
  /** Epoch ms; the exchange allows a 30-day window. */
  startTime?: number;
  endTime?: number;
  /** Default 200, max 500. */
  limit?: number;
}

export interface HashKeyClient {
  readonly baseUrl: string;
  /** True when both an API key and a secret were given. */
  readonly hasCredentials: boolean;
  /** `recvWindow` sent with signed requests, ms: the exchange refuses a request older than this. */
  readonly recvWindowMs: number;
  /** Current estimate of (server clock − local clock), ms. */
  clockOffsetMs(): number;
  /** Measure the offset from `serverTime()` and use it for later timestamps; returns it. */
  syncClock(): Promise<number>;
  /** `GET /api/v1/time`: the server's clock, epoch ms. */
  serverTime(): Promise<number>;
  /** `GET /api/v1/exchangeInfo`: spot symbols with their trading rules. */
  exchangeInfo(): Promise<ExchangeInfo>;
  /** `GET /quote/v1/ticker/price`: last traded price of `symbol`, quote units. */
  tickerPrice(symbol: string): Promise<number>;
  /**
   * `GET /quote/v1/klines`: up to `limit` (1..1000, default 500) bars ending now or at `endTime`,
   * oldest first. The newest bar may still be forming.
   */
  klines(symbol: string, interval: Interval, limit?: number, range?: { startTime?: number; endTime?: number }): Promise<Candle[]>;
  /** `POST /api/v1.1/spot/order`. */
  placeOrder(request: PlaceOrderRequest): Promise<OrderAck>;
  /** `DELETE /api/v1/spot/order`. */
  cancelOrder(ref: OrderRef): Promise<OrderAck>;
  /** `GET /api/v1/spot/order`. */
  queryOrder(ref: OrderRef): Promise<OrderState>;
  /** `GET /api/v1/account/trades`: our executions (price, qty, commission), newest first. */
  accountTrades(query?: AccountTradesQuery): Promise<AccountTrade[]>;
  /** `GET /api/v1/account`: spot balances. */
  accountBalances(): Promise<AssetBalance[]>;
}

export function createHashKeyClient(options: HashKeyClientOptions = {}): HashKeyClient {
  const baseUrl = (options.baseUrl ?? (options.sandbox ? HASHKEY_SANDBOX_URL : HASHKEY_PRODUCTION_URL)).replace(/\/+$/, '');
  const recvWindowMs = options.recvWindowMs ?? 5000;
  const { send, serverTime, syncClock, clockOffsetMs } = createHashKeyTransport({
    baseUrl,
    apiKey: options.apiKey,
    secret: options.secret,
    recvWindowMs,
    timeoutMs: options.timeoutMs ?? 10_000,
    fetch: options.fetch ?? globalThis.fetch,
    now: options.now ?? Date.now,
  });

  return {
    baseUrl,
    hasCredentials: Boolean(options.apiKey && options.secret),
    recvWindowMs,
    clockOffsetMs,
    syncClock,
    serverTime,

    async exchangeInfo() {
      return parseExchangeInfo(await send('GET', '/api/v1/exchangeInfo', {}, false));
    },

    async tickerPrice(symbol) {
      return parseTickerPrice(await send('GET', '/quote/v1/ticker/price', { symbol }, false), symbol);
    },

    async klines(symbol, interval, limit = 500, range = {}) {
      return parseKlines(await send('GET', '/quote/v1/klines', klinesParams(symbol, interval, limit, range), false));
    },

    async placeOrder(request) {
      return parseOrderAck(await send('POST', '/api/v1.1/spot/order', placeOrderParams(request), true));
    },

    async cancelOrder(ref) {
      return parseOrderAck(await send('DELETE', '/api/v1/spot/order', refParams(ref, 'clientOrderId'), true));
    },

    async queryOrder(ref) {
      return parseOrderState(await send('GET', '/api/v1/spot/order', refParams(ref, 'origClientOrderId'), true));
    },

    async accountTrades(query = {}) {
      const { symbol, clientOrderId, startTime, endTime, limit } = query;
      return parseAccountTrades(await send('GET', '/api/v1/account/trades', { symbol, clientOrderId, startTime, endTime, limit }, true));
    },

    async accountBalances() {
      return parseBalances(await send('GET', '/api/v1/account', {}, true));
    },
  };
}

/** Klines parameters; `limit` is clamped to 1..MAX_KLINES. Throws `RangeError` for an unknown interval. */
function klinesParams(symbol: string, interval: Interval, limit: number, range: { startTime?: number; endTime?: number }): Params {
  const hkInterval = HASHKEY_INTERVALS[interval];
  if (!hkInterval) throw new RangeError(`unsupported interval ${String(interval)}`);
  const capped = Math.max(1, Math.min(MAX_KLINES, Math.floor(limit)));
  return { symbol, interval: hkInterval, startTime: range.startTime, endTime: range.endTime, limit: capped };
}

/** Order parameters with decimal strings (no exponent notation); refuses quantity and amount together. */
function placeOrderParams(request: PlaceOrderRequest): Params {
  if (request.type === 'MARKET' && request.quantity !== undefined && request.amount !== undefined) {
    throw new OrderRejectedLocallyError(request.symbol, 'quantity', 'send either quantity or amount, not both (-1129)');
  }
  const dec = (v: number | string | undefined) => (v === undefined ? undefined : toDecimalString(v));
  return {
    symbol: request.symbol,
    side: request.side,
    type: request.type,
    timeInForce: request.timeInForce,
    quantity: dec(request.quantity),
    amount: dec(request.amount),
    price: dec(request.price),
    newClientOrderId: request.clientOrderId,
  };
}

/** The order's id, or our client order id under the parameter name the endpoint expects. */
function refParams(ref: OrderRef, clientKey: string): Params {
  if (ref.orderId !== undefined) return { orderId: ref.orderId };
  return { [clientKey]: ref.clientOrderId };
}
