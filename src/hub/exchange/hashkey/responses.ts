/**
 * HashKey Global response shapes and their parsing into typed objects.
 *
 * The exchange sends numbers as decimal strings (and ids as strings); we turn amounts into JS
 * numbers (fine for display, PnL and fills) and keep ids as strings. Prices are quote units per
 * base unit, quantities base units, times epoch ms.
 */
import type { Candle } from '../../../shared/market.js';
import type { OrderSide } from '../exchange.js';
import { jsonText } from './json-text.js';
import { parseSymbolFilters, type RawSymbolFilter, type SymbolFilters } from './filters.js';

/** Order status as HashKey spells it (`PENDING` is seen in hummingbot's map). */
export type HashKeyOrderStatus =
  'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'PARTIALLY_CANCELED' | 'CANCELED' | 'PENDING_CANCEL' | 'REJECTED' | 'PENDING';

/** Statuses after which an order never changes again. */
export const FINAL_ORDER_STATUSES: ReadonlySet<string> = new Set(['FILLED', 'PARTIALLY_CANCELED', 'CANCELED', 'REJECTED']);

/** One tradable spot symbol with its rules. */
export interface SymbolInfo {
  symbol: string;
  /** `TRADING` when open. */
  status: string;
  baseAsset: string;
  quoteAsset: string;
  filters: SymbolFilters;
}

export interface ExchangeInfo {
  serverTime: number;
  symbols: SymbolInfo[];
}

/** The answer to placing or cancelling an order. */
export interface OrderAck {
  orderId: string;
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  type: string;
  status: HashKeyOrderStatus;
  /** Limit price; 0 for MARKET orders. */
  price: number;
  /** Requested base quantity; 0 for MARKET orders given by amount. */
  origQty: number;
  executedQty: number;
  /** Epoch ms. */
  transactTime: number;
}

/** The answer to `GET /api/v1/spot/order`. */
export interface OrderState extends OrderAck {
  /** Quote value executed so far. */
  cumulativeQuoteQty: number;
  /** Average execution price; 0 when nothing executed. */
  avgPrice: number;
  timeInForce: string;
  /** Creation time, epoch ms. */
  time: number;
  /** Last update, epoch ms. */
  updateTime: number;
  /** Fee asset reported on the order ('' when absent; the field is deprecated upstream). */
  feeCoin: string;
  /** Total fee reported on the order (`sumFeeAmount`, else `feeAmount`), in `feeCoin`. */
  feeAmount: number;
}

/** One execution from `GET /api/v1/account/trades`. */
export interface AccountTrade {
  id: string;
  orderId: string;
  clientOrderId: string;
  symbol: string;
  price: number;
  qty: number;
  commission: number;
  commissionAsset: string;
  time: number;
  isBuyer: boolean;
  isMaker: boolean;
}

/** One asset from `GET /api/v1/account`. */
export interface AssetBalance {
  asset: string;
  free: number;
  locked: number;
  total: number;
}

/** The response did not have the documented shape. */
export class HashKeyResponseShapeError extends Error {
  override name = 'HashKeyResponseShapeError';
}

type Json = Record<string, unknown>;

function obj(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HashKeyResponseShapeError(`${what}: expected an object`);
  }
  return value as Json;
}

function str(o: Json, key: string): string {
  const v = o[key];
  return v === undefined || v === null ? '' : jsonText(v);
}

function num(o: Json, ...keys: string[]): number {
  for (const key of keys) {
    const v = o[key];
    if (v === undefined || v === null || v === '') continue;
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  return 0;
}

export function parseServerTime(body: unknown): number {
  const t = num(obj(body, 'time'), 'serverTime');
  if (!t) throw new HashKeyResponseShapeError('time: serverTime missing');
  return t;
}

export function parseExchangeInfo(body: unknown): ExchangeInfo {
  const o = obj(body, 'exchangeInfo');
  const list = Array.isArray(o.symbols) ? o.symbols : [];
  return {
    serverTime: num(o, 'serverTime'),
    symbols: list.map((raw) => {
      const s = obj(raw, 'exchangeInfo.symbols[]');
      const symbol = str(s, 'symbol');
      const filters = Array.isArray(s.filters) ? (s.filters as RawSymbolFilter[]) : [];
      const quotePrecision = str(s, 'quotePrecision') || str(s, 'quoteAssetPrecision') || undefined;
      return {
        symbol,
        status: str(s, 'status'),
        baseAsset: str(s, 'baseAsset'),
        quoteAsset: str(s, 'quoteAsset'),
        filters: parseSymbolFilters(symbol, filters, quotePrecision),
      };
    }),
  };
}

/**
 * Last price of `symbol` from `/quote/v1/ticker/price`. The exchange has been seen answering both
 * an array `[{"s","p"}]` and an object `{"symbol","price"}`; both are accepted.
 */
export function parseTickerPrice(body: unknown, symbol: string): number {
  const entries: unknown[] = Array.isArray(body) ? body : [body];
  for (const raw of entries) {
    const e = obj(raw, 'ticker/price');
    const s = str(e, 's') || str(e, 'symbol');
    if (s && s !== symbol) continue;
    const price = num(e, 'p', 'price');
    if (price > 0) return price;
  }
  throw new HashKeyResponseShapeError(`ticker/price: no price for ${symbol}`);
}

/** One kline row `[openTime, "o", "h", "l", "c", "v", ...]` as a candle, or undefined when malformed. */
export function klineRowToCandle(row: unknown): Candle | undefined {
  if (!Array.isArray(row) || row.length < 6) return undefined;
  const candle: Candle = {
    openTime: Number(row[0]),
    open: Number(row[1]),
    high: Number(row[2]),
    low: Number(row[3]),
    close: Number(row[4]),
    volume: Number(row[5]),
  };
  return Object.values(candle).every(Number.isFinite) ? candle : undefined;
}

/** `[[openTime, "o", "h", "l", "c", "v", ...], ...]` → candles sorted by `openTime`. */
export function parseKlines(body: unknown): Candle[] {
  if (!Array.isArray(body)) throw new HashKeyResponseShapeError('klines: expected an array');
  return body
    .map((row): Candle => {
      const candle = klineRowToCandle(row);
      if (!candle) throw new HashKeyResponseShapeError('klines: bad row');
      return candle;
    })
    .sort((a, b) => a.openTime - b.openTime);
}

export function parseOrderAck(body: unknown): OrderAck {
  const o = obj(body, 'order');
  return {
    orderId: str(o, 'orderId'),
    clientOrderId: str(o, 'clientOrderId'),
    symbol: str(o, 'symbol'),
    side: str(o, 'side') as OrderSide,
    type: str(o, 'type'),
    status: str(o, 'status') as HashKeyOrderStatus,
    price: num(o, 'price'),
    origQty: num(o, 'origQty'),
    executedQty: num(o, 'executedQty'),
    transactTime: num(o, 'transactTime', 'updateTime', 'time'),
  };
}

export function parseOrderState(body: unknown): OrderState {
  const o = obj(body, 'order');
  const ack = parseOrderAck(o);
  const executedQty = ack.executedQty;
  const cumulativeQuoteQty = num(o, 'cumulativeQuoteQty', 'cummulativeQuoteQty');
  const reportedAvg = num(o, 'avgPrice');
  return {
    ...ack,
    cumulativeQuoteQty,
    avgPrice: reportedAvg || (executedQty > 0 ? cumulativeQuoteQty / executedQty : 0),
    timeInForce: str(o, 'timeInForce'),
    time: num(o, 'time'),
    updateTime: num(o, 'updateTime', 'time'),
    feeCoin: str(o, 'feeCoin'),
    feeAmount: num(o, 'sumFeeAmount', 'feeAmount'),
  };
}

export function parseAccountTrades(body: unknown): AccountTrade[] {
  if (!Array.isArray(body)) throw new HashKeyResponseShapeError('account/trades: expected an array');
  return body.map((raw) => {
    const t = obj(raw, 'account/trades[]');
    const fee = typeof t.fee === 'object' && t.fee !== null ? (t.fee as Json) : {};
    return {
      id: str(t, 'id'),
      orderId: str(t, 'orderId'),
      clientOrderId: str(t, 'clientOrderId'),
      symbol: str(t, 'symbol'),
      price: num(t, 'price'),
      qty: num(t, 'qty'),
      commission: num(t, 'commission') || num(fee, 'fee'),
      commissionAsset: str(t, 'commissionAsset') || str(fee, 'feeCoinId'),
      time: num(t, 'time'),
      isBuyer: t.isBuyer === true || t.isBuyer === 'true',
      isMaker: t.isMaker === true || t.isMaker === 'true',
    };
  });
}

export function parseBalances(body: unknown): AssetBalance[] {
  const o = obj(body, 'account');
  const list = Array.isArray(o.balances) ? o.balances : [];
  return list.map((raw) => {
    const b = obj(raw, 'account.balances[]');
    const free = num(b, 'free');
    const locked = num(b, 'locked');
    return { asset: str(b, 'asset'), free, locked, total: num(b, 'total') || free + locked };
  });
}
