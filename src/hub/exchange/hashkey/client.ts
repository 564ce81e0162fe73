/**
 * A small REST client for HashKey Global spot trading (see `README-decision.md` for why not ccxt).
 *
 * - Public endpoints (`/api/v1/time`, `/api/v1/exchangeInfo`, `/quote/v1/*`) need no key.
 * - Signed endpoints send `X-HK-APIKEY`, add `recvWindow` and `timestamp` (ms, local clock plus
 *   the offset learned from the server) and sign as `signing.ts` describes. GET and DELETE carry
 *   the signed text as the query string; POST carries it as an `application/x-www-form-urlencoded`
 *   body. Both are valid under the exchange's totalParams rule.
 * - A `-1021` answer (timestamp outside recvWindow) resyncs the clock offset from `serverTime()`
 *   and retries the request exactly once.
 * - The client does not check trading rules itself: run `validateOrder` (filters.ts) first, as
 *   `createHashKeyExchange` does.
 */
import type { Candle, Interval } from '../../../shared/market.js';
import type { OrderSide } from '../exchange.js';
import {
  HashKeyApiError,
  HashKeyCredentialsMissingError,
  HashKeyNetworkError,
  OrderRejectedLocallyError,
  redact,
} from './errors.js';
import { toDecimalString } from './decimal.js';
import {
  parseAccountTrades,
  parseBalances,
  parseExchangeInfo,
  parseKlines,
  parseOrderAck,
  parseOrderState,
  parseServerTime,
  parseTickerPrice,
  type AccountTrade,
  type AssetBalance,
  type ExchangeInfo,
  type OrderAck,
  type OrderState,
} from './responses.js';
import { encodeParams, signParams, type Params } from './signing.js';

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

type Method = 'GET' | 'POST' | 'DELETE';

const SUCCESS_CODES = new Set(['0', '0000', '200']);

export function createHashKeyClient(options: HashKeyClientOptions = {}): HashKeyClient {
  const baseUrl = (options.baseUrl ?? (options.sandbox ? HASHKEY_SANDBOX_URL : HASHKEY_PRODUCTION_URL)).replace(/\/+$/, '');
  const { apiKey, secret } = options;
  const recvWindow = options.recvWindowMs ?? 5000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  let offsetMs = 0;

  async function send(method: Method, path: string, params: Params, signed: boolean): Promise<unknown> {
    const label = `${method} ${path}`;
    if (!signed) return call(method, path, label, encodeParams(params), undefined, []);
    if (!apiKey || !secret) throw new HashKeyCredentialsMissingError(label);
    const attempt = () => {
      const signedParams = signParams(params, { secret, timestamp: Math.round(now() + offsetMs), recvWindow });
      return call(method, path, label, signedParams.text, apiKey, [secret, signedParams.signature, apiKey]);
    };
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof HashKeyApiError) || error.code !== '-1021') throw error;
      await syncClock();
      return attempt();
    }
  }

  async function call(
    method: Method,
    path: string,
    label: string,
    text: string,
    key: string | undefined,
    secrets: readonly (string | undefined)[],
  ): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (key) headers['X-HK-APIKEY'] = key;
    let url = baseUrl + path;
    let body: string | undefined;
    if (method === 'POST') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = text;
    } else if (text) {
      url += `?${text}`;
    }

    let response: Response;
    let raw: string;
    try {
      response = await doFetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      raw = await response.text();
    } catch (error) {
      throw new HashKeyNetworkError(label, redact(describeFailure(error), secrets));
    }

    let parsed: unknown;
    try {
      parsed = raw === '' ? {} : JSON.parse(raw);
    } catch {
      if (response.ok) throw new HashKeyNetworkError(label, `unreadable response (HTTP ${response.status})`);
      throw new HashKeyApiError(`HTTP${response.status}`, redact(raw.slice(0, 200), secrets), response.status, label);
    }

    const error = errorOf(parsed);
    if (!response.ok || error) {
      const code = error?.code ?? `HTTP${response.status}`;
      const msg = error?.msg ?? response.statusText;
      throw new HashKeyApiError(code, redact(msg, secrets), response.status, label);
    }
    return parsed;
  }

  async function serverTime(): Promise<number> {
    return parseServerTime(await send('GET', '/api/v1/time', {}, false));
  }

  async function syncClock(): Promise<number> {
    const before = now();
    const server = await serverTime();
    const after = now();
    offsetMs = Math.round(server - (before + after) / 2);
    return offsetMs;
  }

  function refParams(ref: OrderRef, clientKey: string): Params {
    if (ref.orderId !== undefined) return { orderId: ref.orderId };
    return { [clientKey]: ref.clientOrderId };
  }

  return {
    baseUrl,
    hasCredentials: Boolean(apiKey && secret),
    recvWindowMs: recvWindow,
    clockOffsetMs: () => offsetMs,
    syncClock,
    serverTime,

    async exchangeInfo() {
      return parseExchangeInfo(await send('GET', '/api/v1/exchangeInfo', {}, false));
    },

    async tickerPrice(symbol) {
      return parseTickerPrice(await send('GET', '/quote/v1/ticker/price', { symbol }, false), symbol);
    },

    async klines(symbol, interval, limit = 500, range = {}) {
      const hkInterval = HASHKEY_INTERVALS[interval];
      if (!hkInterval) throw new RangeError(`unsupported interval ${String(interval)}`);
      const capped = Math.max(1, Math.min(MAX_KLINES, Math.floor(limit)));
      const body = await send(
        'GET',
        '/quote/v1/klines',
        { symbol, interval: hkInterval, startTime: range.startTime, endTime: range.endTime, limit: capped },
        false,
      );
      return parseKlines(body);
    },

    async placeOrder(request) {
      if (request.type === 'MARKET' && request.quantity !== undefined && request.amount !== undefined) {
        throw new OrderRejectedLocallyError(request.symbol, 'quantity', 'send either quantity or amount, not both (-1129)');
      }
      const dec = (v: number | string | undefined) => (v === undefined ? undefined : toDecimalString(v));
      const body = await send(
        'POST',
        '/api/v1.1/spot/order',
        {
          symbol: request.symbol,
          side: request.side,
          type: request.type,
          timeInForce: request.timeInForce,
          quantity: dec(request.quantity),
          amount: dec(request.amount),
          price: dec(request.price),
          newClientOrderId: request.clientOrderId,
        },
        true,
      );
      return parseOrderAck(body);
    },

    async cancelOrder(ref) {
      return parseOrderAck(await send('DELETE', '/api/v1/spot/order', refParams(ref, 'clientOrderId'), true));
    },

    async queryOrder(ref) {
      return parseOrderState(await send('GET', '/api/v1/spot/order', refParams(ref, 'origClientOrderId'), true));
    },

    async accountTrades(query = {}) {
      const body = await send(
        'GET',
        '/api/v1/account/trades',
        {
          symbol: query.symbol,
          clientOrderId: query.clientOrderId,
          startTime: query.startTime,
          endTime: query.endTime,
          limit: query.limit,
        },
        true,
      );
      return parseAccountTrades(body);
    },

    async accountBalances() {
      return parseBalances(await send('GET', '/api/v1/account', {}, true));
    },
  };
}

/** `{code, msg}` of an error body, also when sent with HTTP 200; undefined for a success body. */
function errorOf(body: unknown): { code: string; msg: string } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const o = body as Record<string, unknown>;
  if (o.code === undefined || o.code === null || o.msg === undefined) return undefined;
  const code = String(o.code);
  if (SUCCESS_CODES.has(code)) return undefined;
  return { code, msg: String(o.msg) };
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'no answer before the timeout';
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const detail = cause?.code ?? cause?.message;
    return detail ? `${error.message} (${String(detail)})` : error.message;
  }
  return String(error);
}
