/**
 * A local stand-in for the HashKey Global REST API (spot), for tests. node:http on 127.0.0.1,
 * port 0. It speaks the documented wire format (see /work/shared/reference/hashkey-api.md):
 *
 * - Signed endpoints are checked the way the exchange does: `X-HK-APIKEY` must be the known key;
 *   the HMAC-SHA256 of totalParams (query string + form body, `signature=` removed) with the known
 *   secret must match; `timestamp` must satisfy `timestamp < serverTime + 1000` and
 *   `serverTime - timestamp <= recvWindow` (default 5000) on the server's own (skewable) clock.
 * - Errors are HTTP 400 with `{"code": "...", "msg": "..."}`:
 *   `0102` invalid API key · `0001` signature/timestamp missing · `0002` incorrect signature ·
 *   `-1021` timestamp outside recvWindow · `0401` insufficient asset · `0211` order not found ·
 *   `-1141` duplicate client order id · `-1142` already cancelled · `-1143` not on the book ·
 *   `-1129` quantity and amount both sent · `-100010` unknown symbol · `-1004` bad request.
 *   Codes for filter violations are marked [inf] below: the docs give only their range.
 * - An in-memory account: balances, orders, executions. MARKET orders execute at once at the
 *   symbol's price, split into two executions (price, then one tick worse) when the quantity
 *   allows, with a fee of `feeRate` charged in the asset received. LIMIT orders that cross the
 *   price execute at once at the price; others rest (funds locked) until cancelled.
 * - Public data: `/api/v1/time`, `/api/v1/ping`, `/api/v1/exchangeInfo`, `/quote/v1/ticker/price`,
 *   `/quote/v1/ticker/24hr`, `/quote/v1/klines` (deterministic bars: a pure function of symbol,
 *   interval, bar open time and `klineSeed`, so any window is reproducible; `startTime` and
 *   `endTime` select open times inclusively; none before `klinesFrom`, the listing).
 *
 * Usage:
 *   const hk = await startHashKeyServer();
 *   const client = createHashKeyClient({ baseUrl: hk.url, apiKey: hk.apiKey, secret: hk.secret });
 *   ... hk.requests / hk.orders / hk.trades / hk.setClockSkewMs(60_000) / hk.failNext({...})
 *   const held = hk.hold({ path: '/api/v1.1/spot/order' }); ... await held.reached; ... held.release();
 *   await hk.close();
 *
 * `hold` keeps the ANSWER of matching requests back while the request itself takes effect at once
 * (an order is placed and filled): the window between an exchange fill and the hub's commit, in
 * which a test can stop, kill or race the hub.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compareDecimal, floorToStep, toDecimalString } from '../../src/hub/exchange/hashkey/decimal.js';

/** The example credentials from the HashKey authentication docs (the signing test vector's). */
export const DOC_EXAMPLE_API_KEY = 'tAQfOrPIZAhym0qHISRt8EFvxPemdBm5j5WMlkm3Ke9aFp0EGWC2CGM8GHV4kCYW';
export const DOC_EXAMPLE_SECRET = 'lH3ELTNiFxCQTmi9pPcWWikhsjO04Yoqw3euoHUuOLC3GYBW64ZqzQsiOEHXQS76';

/** One listed spot symbol. Decimal rules as strings; '0' disables a rule. */
export interface HashKeySymbolSpec {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  /** Last price in quote units; market orders execute here. */
  price: number;
  tickSize: string;
  minPrice: string;
  maxPrice: string;
  stepSize: string;
  minQty: string;
  maxQty: string;
  marketOrderMinQty: string;
  marketOrderMaxQty: string;
  minNotional: string;
  minAmount: string;
  maxAmount: string;
  marketOrderMinAmount: string;
  marketOrderMaxAmount: string;
  quotePrecision: string;
}

/** BTCUSDT and ETHUSDT with rules shaped like ccxt's captured exchangeInfo sample. */
export const DEFAULT_HASHKEY_SYMBOLS: readonly HashKeySymbolSpec[] = [
  {
    symbol: 'BTCUSDT',
    baseAsset: 'BTC',
    quoteAsset: 'USDT',
    price: 60000,
    tickSize: '0.01',
    minPrice: '0.01',
    maxPrice: '1000000',
    stepSize: '0.00001',
    minQty: '0.00001',
    maxQty: '8',
    marketOrderMinQty: '0.00001',
    marketOrderMaxQty: '4',
    minNotional: '1',
    minAmount: '1',
    maxAmount: '400000',
    marketOrderMinAmount: '1',
    marketOrderMaxAmount: '200000',
    quotePrecision: '0.0000001',
  },
  {
    symbol: 'ETHUSDT',
    baseAsset: 'ETH',
    quoteAsset: 'USDT',
    price: 3000,
    tickSize: '0.01',
    minPrice: '0.01',
    maxPrice: '100000',
    stepSize: '0.0001',
    minQty: '0.0001',
    maxQty: '100',
    marketOrderMinQty: '0.0001',
    marketOrderMaxQty: '50',
    minNotional: '1',
    minAmount: '1',
    maxAmount: '400000',
    marketOrderMinAmount: '1',
    marketOrderMaxAmount: '200000',
    quotePrecision: '0.0000001',
  },
];

export interface HashKeyServerOptions {
  /** Key the server accepts. Default: the docs' example key. */
  apiKey?: string;
  /** Secret the server verifies signatures with. Default: the docs' example secret. */
  secret?: string;
  /** Free balances at start, by asset. Default `{ USDT: 100000, BTC: 1, ETH: 10 }`. */
  balances?: Record<string, number>;
  symbols?: readonly HashKeySymbolSpec[];
  /** The server's clock before skew, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Fee as a fraction of the amount received. Default 0.0012 (base-tier taker). */
  feeRate?: number;
  /** Seed of the deterministic klines. Default 42. */
  klineSeed?: number;
  /** The listing: no kline opens before this time (epoch ms). Default: bars at any time. */
  klinesFrom?: number;
  /** A MARKET order answers `NEW` with nothing executed to this many status queries first. Default 0. */
  pendingQueries?: number;
  /** Shape of `/quote/v1/ticker/price`: ccxt's array `[{"s","p"}]` (default) or `{"symbol","price"}`. */
  tickerShape?: 'array' | 'object';
}

/** A request as the server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Raw query string (without `?`). */
  query: string;
  /** Raw body text. */
  body: string;
  contentType: string | undefined;
  apiKey: string | undefined;
  /** HTTP status answered. */
  status: number;
  /** Error code answered, if any. */
  code?: string;
}

export interface StoredOrder {
  orderId: string;
  clientOrderId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  type: 'MARKET' | 'LIMIT';
  status: 'NEW' | 'FILLED' | 'CANCELED';
  /** Limit price; '0' for MARKET. */
  price: string;
  origQty: string;
  executedQty: string;
  cumulativeQuoteQty: string;
  /** Quote amount requested for MARKET-by-amount orders, else ''. */
  reqAmount: string;
  feeCoin: string;
  feeAmount: string;
  time: number;
  updateTime: number;
  /** Status queries left that still answer NEW (see `pendingQueries`). */
  pendingQueries: number;
}

export interface StoredTrade {
  id: string;
  orderId: string;
  clientOrderId: string;
  symbol: string;
  price: string;
  qty: string;
  commission: string;
  commissionAsset: string;
  time: number;
  isBuyer: boolean;
}

export interface InjectedFailure {
  /** Path to fail, e.g. `/api/v1/account`. */
  path: string;
  /** Only this method (default: any). */
  method?: string;
  code: string;
  msg: string;
  /** Default 400. */
  httpStatus?: number;
  /** How many matching requests fail. Default 1. */
  times?: number;
}

export interface HashKeyServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  apiKey: string;
  secret: string;
  close(): Promise<void>;
  /** Shift the server's clock by `ms` (positive = server ahead of the client). */
  setClockSkewMs(ms: number): void;
  /** The server's current clock, epoch ms (skew included). */
  serverTime(): number;
  setPrice(symbol: string, price: number): void;
  setBalance(asset: string, free: number): void;
  /** Current balances by asset (live view). */
  balances: Map<string, { free: number; locked: number }>;
  /** Every order placed, oldest first (live view). */
  orders: StoredOrder[];
  /** Every execution, oldest first (live view). */
  trades: StoredTrade[];
  /** Every request received, oldest first (live view). */
  requests: RecordedRequest[];
  /** Answer the next matching request(s) with this error (after auth checks on signed paths). */
  failNext(failure: InjectedFailure): void;
  /**
   * From now on, matching requests are processed as usual but their answers are held back until
   * `release()` (or `close()`); requests already answered are not affected.
   */
  hold(match: { path: string; method?: string }): HeldAnswers;
}

/** Answers held back by `hold`. */
export interface HeldAnswers {
  /** Resolves once a matching request was processed and its answer is being held. */
  reached: Promise<void>;
  /** How many answers are held now. */
  held(): number;
  /** Sends the held answers and stops holding. */
  release(): void;
}

class ApiFailure extends Error {
  override name = 'ApiFailure';
  constructor(
    readonly code: string,
    readonly msg: string,
    readonly httpStatus = 400,
  ) {
    super(`${code} ${msg}`);
  }
}

const ACCOUNT_ID = '1732885739589466112';
const USER_ID = '1732885739572845312';
const FIRST_ORDER_ID = 1738695230608169984n;
const FIRST_TRADE_ID = 1739352552862964736n;

const KLINE_MS: Record<string, number> = {
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
  '1w': 604_800_000,
};

export async function startHashKeyServer(options: HashKeyServerOptions = {}): Promise<HashKeyServer> {
  const apiKey = options.apiKey ?? DOC_EXAMPLE_API_KEY;
  const secret = options.secret ?? DOC_EXAMPLE_SECRET;
  const clock = options.now ?? Date.now;
  const feeRate = options.feeRate ?? 0.0012;
  const klineSeed = options.klineSeed ?? 42;
  const pendingQueries = options.pendingQueries ?? 0;
  const symbols = new Map((options.symbols ?? DEFAULT_HASHKEY_SYMBOLS).map((s) => [s.symbol, { ...s }]));
  const balances = new Map<string, { free: number; locked: number }>();
  for (const [asset, free] of Object.entries(options.balances ?? { USDT: 100000, BTC: 1, ETH: 10 })) {
    balances.set(asset, { free, locked: 0 });
  }
  const orders: StoredOrder[] = [];
  const trades: StoredTrade[] = [];
  const requests: RecordedRequest[] = [];
  const failures: InjectedFailure[] = [];
  const holds: Array<{ path: string; method?: string; gate: Promise<void>; open: () => void; reached: () => void; count: number }> = [];
  let skewMs = 0;
  let nextOrder = 0n;
  let nextTrade = 0n;

  const serverTime = () => clock() + skewMs;
  const balance = (asset: string) => {
    let b = balances.get(asset);
    if (!b) balances.set(asset, (b = { free: 0, locked: 0 }));
    return b;
  };

  // ---- request handling ---------------------------------------------------------------------

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = q < 0 ? '' : rawUrl.slice(q + 1);
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const header = req.headers['x-hk-apikey'];
    const record: RecordedRequest = {
      method,
      path,
      query,
      body,
      contentType: req.headers['content-type'],
      apiKey: Array.isArray(header) ? header[0] : header,
      status: 200,
    };
    requests.push(record);

    let status = 200;
    let payload: unknown;
    try {
      const params = new URLSearchParams(query);
      if (body) {
        if (!String(record.contentType ?? '').startsWith('application/x-www-form-urlencoded')) {
          throw new ApiFailure('-1004', 'Bad request: body must be application/x-www-form-urlencoded');
        }
        for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
      }
      const route = ROUTES[`${method} ${path}`];
      if (!route) throw new ApiFailure('-1004', `Bad request: no route ${method} ${path}`, 404);
      if (route.signed) verifySigned(record, params, query, body);
      takeInjectedFailure(method, path);
      payload = route.run(params);
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      status = error.httpStatus;
      record.code = error.code;
      payload = { code: error.code, msg: error.msg };
    }
    record.status = status;
    const hold = holds.find((h) => h.path === path && (!h.method || h.method === method));
    if (hold) {
      hold.count++;
      hold.reached();
      await hold.gate;
      hold.count--;
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  }

  function verifySigned(record: RecordedRequest, params: URLSearchParams, query: string, body: string): void {
    if (record.apiKey !== apiKey) throw new ApiFailure('0102', 'Invalid APIKey');
    const signature = params.get('signature');
    if (!signature) throw new ApiFailure('0001', 'Required field signature missing or invalid');
    const withoutSignature = (s: string) =>
      s
        .split('&')
        .filter((part) => part !== '' && !part.startsWith('signature='))
        .join('&');
    const totalParams = withoutSignature(query) + withoutSignature(body);
    const expected = createHmac('sha256', secret).update(totalParams).digest();
    const given = Buffer.from(signature.toLowerCase(), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ApiFailure('0002', 'Incorrect signature');
    }
    const timestamp = Number(params.get('timestamp'));
    if (!params.get('timestamp') || !Number.isFinite(timestamp)) {
      throw new ApiFailure('0001', 'Required field timestamp missing or invalid');
    }
    const recvWindow = Math.min(Number(params.get('recvWindow') ?? 5000) || 5000, 60_000);
    const now = serverTime();
    if (!(timestamp < now + 1000 && now - timestamp <= recvWindow)) {
      throw new ApiFailure('-1021', 'Timestamp for this request is outside of the recvWindow');
    }
  }

  function takeInjectedFailure(method: string, path: string): void {
    const i = failures.findIndex((f) => f.path === path && (!f.method || f.method === method));
    if (i < 0) return;
    const f = failures[i];
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) failures.splice(i, 1);
    throw new ApiFailure(f.code, f.msg, f.httpStatus ?? 400);
  }

  // ---- routes -------------------------------------------------------------------------------

  type Route = { signed: boolean; run: (p: URLSearchParams) => unknown };
  const ROUTES: Record<string, Route> = {
    'GET /api/v1/time': { signed: false, run: () => ({ serverTime: serverTime() }) },
    'GET /api/v1/ping': { signed: false, run: () => ({}) },
    'GET /api/v1/exchangeInfo': { signed: false, run: exchangeInfo },
    'GET /quote/v1/ticker/price': { signed: false, run: tickerPrice },
    'GET /quote/v1/ticker/24hr': { signed: false, run: ticker24hr },
    'GET /quote/v1/klines': { signed: false, run: klines },
    'GET /api/v1/account': { signed: true, run: account },
    'POST /api/v1.1/spot/order': { signed: true, run: placeOrder },
    'DELETE /api/v1/spot/order': { signed: true, run: cancelOrder },
    'GET /api/v1/spot/order': { signed: true, run: queryOrder },
    'GET /api/v1/spot/openOrders': { signed: true, run: openOrders },
    'GET /api/v1/account/trades': { signed: true, run: accountTrades },
  };

  function symbolOf(p: URLSearchParams, required = true) {
    const name = p.get('symbol');
    if (!name) {
      if (required) throw new ApiFailure('-100012', 'Parameter symbol [String] missing!');
      return undefined;
    }
    const spec = symbols.get(name);
    if (!spec) throw new ApiFailure('-100010', 'Invalid Symbols!');
    return spec;
  }

  function exchangeInfo() {
    return {
      timezone: 'UTC',
      serverTime: String(serverTime()),
      brokerFilters: [],
      symbols: [...symbols.values()].map((s) => ({
        symbol: s.symbol,
        symbolName: s.symbol,
        status: 'TRADING',
        baseAsset: s.baseAsset,
        baseAssetName: s.baseAsset,
        baseAssetPrecision: s.stepSize,
        quoteAsset: s.quoteAsset,
        quoteAssetName: s.quoteAsset,
        quotePrecision: s.quotePrecision,
        retailAllowed: true,
        piAllowed: true,
        corporateAllowed: true,
        omnibusAllowed: true,
        icebergAllowed: false,
        isAggregate: false,
        allowMargin: false,
        filters: [
          { minPrice: s.minPrice, maxPrice: s.maxPrice, tickSize: s.tickSize, filterType: 'PRICE_FILTER' },
          {
            minQty: s.minQty,
            maxQty: s.maxQty,
            stepSize: s.stepSize,
            marketOrderMinQty: s.marketOrderMinQty,
            marketOrderMaxQty: s.marketOrderMaxQty,
            filterType: 'LOT_SIZE',
          },
          { minNotional: s.minNotional, filterType: 'MIN_NOTIONAL' },
          {
            minAmount: s.minAmount,
            maxAmount: s.maxAmount,
            minBuyPrice: '0',
            marketOrderMinAmount: s.marketOrderMinAmount,
            marketOrderMaxAmount: s.marketOrderMaxAmount,
            filterType: 'TRADE_AMOUNT',
          },
          { maxSellPrice: '0', buyPriceUpRate: '0.1', sellPriceDownRate: '0.1', filterType: 'LIMIT_TRADING' },
          { buyPriceUpRate: '0.1', sellPriceDownRate: '0.1', filterType: 'MARKET_TRADING' },
        ],
      })),
      options: [],
      contracts: [],
      coins: [],
    };
  }

  function tickerPrice(p: URLSearchParams) {
    const one = symbolOf(p, false);
    const list = one ? [one] : [...symbols.values()];
    if (one && options.tickerShape === 'object') return { symbol: one.symbol, price: fmt(one.price) };
    return list.map((s) => ({ s: s.symbol, p: fmt(s.price) }));
  }

  function ticker24hr(p: URLSearchParams) {
    const one = symbolOf(p, false);
    const list = one ? [one] : [...symbols.values()];
    return list.map((s) => ({
      t: serverTime(),
      s: s.symbol,
      c: fmt(s.price),
      h: fmt(s.price * 1.02),
      l: fmt(s.price * 0.98),
      o: fmt(s.price * 0.99),
      b: fmt(s.price - Number(s.tickSize)),
      a: fmt(s.price + Number(s.tickSize)),
      v: '1234.5',
      qv: fmt(1234.5 * s.price),
    }));
  }

  function klines(p: URLSearchParams) {
    const spec = symbolOf(p);
    const interval = p.get('interval');
    if (!interval) throw new ApiFailure('-100012', 'Parameter interval [String] missing!');
    const step = KLINE_MS[interval];
    if (!step) throw new ApiFailure('-1004', 'Bad request: invalid interval');
    const limit = Math.min(Math.max(Number(p.get('limit') ?? 500) || 500, 1), 1000);
    const end = Number(p.get('endTime') ?? serverTime());
    const start = p.get('startTime') !== null ? Number(p.get('startTime')) : undefined;
    const lastOpen = Math.floor(end / step) * step;
    let firstOpen = lastOpen - (limit - 1) * step;
    if (start !== undefined) firstOpen = Math.ceil(start / step) * step;
    if (options.klinesFrom !== undefined) firstOpen = Math.max(firstOpen, Math.ceil(options.klinesFrom / step) * step);
    const rows: unknown[] = [];
    for (let t = firstOpen; t <= lastOpen && rows.length < limit; t += step) {
      rows.push(klineRow(spec!.symbol, spec!.price, interval, t, step));
    }
    return rows;
  }

  function klineRow(symbol: string, basePrice: number, interval: string, openTime: number, step: number) {
    const k = Math.floor(openTime / step);
    const seed = hashString(`${symbol}|${interval}`) ^ klineSeed;
    const level = (i: number) => basePrice * (1 + 0.05 * Math.sin(i / 37) + 0.02 * Math.sin(i / 11) + 0.01 * (noise(seed, i) - 0.5));
    const open = level(k - 1);
    const close = level(k);
    const high = Math.max(open, close) * (1 + 0.003 * noise(seed ^ 0x9e3779b9, k));
    const low = Math.min(open, close) * (1 - 0.003 * noise(seed ^ 0x85ebca6b, k));
    const volume = 1 + 10 * noise(seed ^ 0xc2b2ae35, k);
    const quoteVolume = volume * close;
    const count = 1 + Math.floor(100 * noise(seed ^ 0x27d4eb2f, k));
    return [
      openTime,
      fmt2(open),
      fmt2(high),
      fmt2(low),
      fmt2(close),
      fmt(volume),
      0,
      fmt(quoteVolume),
      count,
      fmt(volume / 2),
      fmt(quoteVolume / 2),
    ];
  }

  function account() {
    return {
      balances: [...balances.entries()].map(([asset, b]) => ({
        asset,
        assetId: asset,
        assetName: asset,
        total: fmt(b.free + b.locked),
        free: fmt(b.free),
        locked: fmt(b.locked),
      })),
      userId: USER_ID,
    };
  }

  function placeOrder(p: URLSearchParams) {
    const spec = symbolOf(p)!;
    const side = p.get('side');
    const type = p.get('type');
    if (side !== 'BUY' && side !== 'SELL') throw new ApiFailure('-1117', 'Invalid side');
    if (type !== 'MARKET' && type !== 'LIMIT') throw new ApiFailure('0206', 'Unsupported order type');
    const clientOrderId = p.get('newClientOrderId') ?? String(serverTime()) + String(orders.length);
    if (orders.some((o) => o.clientOrderId === clientOrderId)) throw new ApiFailure('-1141', 'Duplicate order');
    const quantityText = p.get('quantity');
    const amountText = p.get('amount');
    const priceText = p.get('price');
    if (quantityText !== null && amountText !== null) throw new ApiFailure('-1129', 'Quantity and amount cannot be sent at the same time');

    let price = spec.price;
    let qty: string;
    let reqAmount = '';
    if (type === 'LIMIT') {
      if (priceText === null) throw new ApiFailure('0001', 'Required field price missing or invalid');
      if (quantityText === null) throw new ApiFailure('0001', 'Required field quantity missing or invalid');
      checkDecimal(priceText, 'price');
      if (floorToStep(priceText, spec.tickSize) !== toDecimalString(priceText)) throw new ApiFailure('0209', 'Invalid price precision');
      if (compareDecimal(priceText, spec.minPrice) < 0) throw new ApiFailure('-1133', 'Order price lower than the minimum');
      if (compareDecimal(priceText, spec.maxPrice) > 0) throw new ApiFailure('-1134', 'Order price higher than the maximum'); // [inf]
      price = Number(priceText);
      qty = quantityText;
    } else if (quantityText !== null) {
      qty = quantityText;
    } else if (amountText !== null) {
      checkDecimal(amountText, 'amount');
      reqAmount = amountText;
      qty = floorToStep(Number(amountText) / spec.price, spec.stepSize);
    } else {
      throw new ApiFailure('0001', 'Required field quantity missing or invalid');
    }
    checkDecimal(qty, 'quantity');
    if (floorToStep(qty, spec.stepSize) !== toDecimalString(qty)) throw new ApiFailure('-1126', 'Invalid quantity');
    const minQty = type === 'MARKET' ? spec.marketOrderMinQty : spec.minQty;
    const maxQty = type === 'MARKET' ? spec.marketOrderMaxQty : spec.maxQty;
    if (compareDecimal(qty, minQty) < 0 || Number(qty) === 0) throw new ApiFailure('-1138', 'Order quantity lower than the minimum'); // [inf]
    if (compareDecimal(qty, maxQty) > 0) throw new ApiFailure('-1139', 'Order quantity higher than the maximum'); // [inf]
    const notional = Number(qty) * price;
    const minAmount = Math.max(Number(spec.minNotional), Number(type === 'MARKET' ? spec.marketOrderMinAmount : spec.minAmount));
    if (notional < minAmount) throw new ApiFailure('-1140', 'Order amount lower than the minimum'); // [inf]

    const crosses = type === 'MARKET' || (side === 'BUY' ? price >= spec.price : price <= spec.price);
    const quantity = Number(qty);
    const quoteAsset = balance(spec.quoteAsset);
    const baseAsset = balance(spec.baseAsset);
    if (side === 'BUY' && quoteAsset.free < quantity * (crosses ? spec.price + Number(spec.tickSize) : price)) {
      throw new ApiFailure('0401', 'Insufficient asset');
    }
    if (side === 'SELL' && baseAsset.free < quantity) throw new ApiFailure('0401', 'Insufficient asset');

    const now = serverTime();
    const order: StoredOrder = {
      orderId: String(FIRST_ORDER_ID + nextOrder++),
      clientOrderId,
      symbol: spec.symbol,
      side,
      type,
      status: 'NEW',
      price: type === 'LIMIT' ? toDecimalString(priceText!) : '0',
      origQty: quantityText !== null ? toDecimalString(qty) : '0',
      executedQty: '0',
      cumulativeQuoteQty: '0',
      reqAmount,
      feeCoin: '',
      feeAmount: '0',
      time: now,
      updateTime: now,
      pendingQueries: type === 'MARKET' ? pendingQueries : 0,
    };
    orders.push(order);
    if (crosses) execute(order, spec, qty, now);
    else if (side === 'BUY') lock(quoteAsset, quantity * price);
    else lock(baseAsset, quantity);
    return ack(order, order.pendingQueries > 0);
  }

  /** Fill the whole quantity at the symbol's price, in two executions when the step allows. */
  function execute(order: StoredOrder, spec: HashKeySymbolSpec, qty: string, now: number): void {
    const half = floorToStep(Number(qty) / 2, spec.stepSize);
    const parts: [string, number][] =
      Number(half) > 0
        ? [
            [half, spec.price],
            [
              toDecimalString(Number((Number(qty) - Number(half)).toFixed(12))),
              spec.price + (order.side === 'BUY' ? 1 : -1) * Number(spec.tickSize),
            ],
          ]
        : [[qty, spec.price]];
    let quote = 0;
    let fees = 0;
    const feeAsset = order.side === 'BUY' ? spec.baseAsset : spec.quoteAsset;
    for (const [q, px] of parts) {
      const n = Number(q);
      const fee = order.side === 'BUY' ? n * feeRate : n * px * feeRate;
      quote += n * px;
      fees += fee;
      if (order.side === 'BUY') {
        balance(spec.quoteAsset).free -= n * px;
        balance(spec.baseAsset).free += n - fee;
      } else {
        balance(spec.baseAsset).free -= n;
        balance(spec.quoteAsset).free += n * px - fee;
      }
      trades.push({
        id: String(FIRST_TRADE_ID + nextTrade++),
        orderId: order.orderId,
        clientOrderId: order.clientOrderId,
        symbol: order.symbol,
        price: fmt(px),
        qty: q,
        commission: fmt(fee),
        commissionAsset: feeAsset,
        time: now,
        isBuyer: order.side === 'BUY',
      });
    }
    order.status = 'FILLED';
    order.executedQty = qty;
    order.cumulativeQuoteQty = fmt(quote);
    order.feeCoin = feeAsset;
    order.feeAmount = fmt(fees);
    order.updateTime = now;
  }

  function lock(b: { free: number; locked: number }, amount: number) {
    b.free -= amount;
    b.locked += amount;
  }

  function findOrder(p: URLSearchParams, clientKey: string): StoredOrder {
    const orderId = p.get('orderId');
    const clientOrderId = p.get(clientKey);
    if (!orderId && !clientOrderId) throw new ApiFailure('0001', 'Required field orderId missing or invalid');
    const order = orders.find((o) => (orderId ? o.orderId === orderId : o.clientOrderId === clientOrderId));
    if (!order) throw new ApiFailure('0211', 'Order not found');
    return order;
  }

  function cancelOrder(p: URLSearchParams) {
    const order = findOrder(p, 'clientOrderId');
    if (order.status === 'CANCELED') throw new ApiFailure('-1142', 'Order has been canceled');
    if (order.status !== 'NEW') throw new ApiFailure('-1143', 'Order not on the book');
    const spec = symbols.get(order.symbol)!;
    if (order.side === 'BUY') unlock(balance(spec.quoteAsset), Number(order.origQty) * Number(order.price));
    else unlock(balance(spec.baseAsset), Number(order.origQty));
    order.status = 'CANCELED';
    order.updateTime = serverTime();
    return ack(order, false);
  }

  function unlock(b: { free: number; locked: number }, amount: number) {
    b.locked -= amount;
    b.free += amount;
  }

  function queryOrder(p: URLSearchParams) {
    const order = findOrder(p, 'origClientOrderId');
    const hide = order.pendingQueries > 0;
    if (hide) order.pendingQueries--;
    const executed = hide ? '0' : order.executedQty;
    const quote = hide ? '0' : order.cumulativeQuoteQty;
    return {
      accountId: ACCOUNT_ID,
      exchangeId: '301',
      symbol: order.symbol,
      symbolName: order.symbol,
      clientOrderId: order.clientOrderId,
      orderId: order.orderId,
      price: order.price,
      origQty: order.origQty,
      executedQty: executed,
      cumulativeQuoteQty: quote,
      cummulativeQuoteQty: quote,
      avgPrice: Number(executed) > 0 ? fmt(Number(quote) / Number(executed)) : '0',
      status: hide ? 'NEW' : order.status,
      timeInForce: order.type === 'MARKET' ? 'IOC' : 'GTC',
      type: order.type,
      side: order.side,
      stopPrice: '0.0',
      icebergQty: '0.0',
      time: String(order.time),
      updateTime: String(order.updateTime),
      isWorking: true,
      reqAmount: order.reqAmount || '0',
      feeCoin: hide ? '' : order.feeCoin,
      feeAmount: hide ? '0' : order.feeAmount,
      sumFeeAmount: hide ? '0' : order.feeAmount,
    };
  }

  function openOrders(p: URLSearchParams) {
    const name = p.get('symbol');
    return orders
      .filter((o) => o.status === 'NEW' && (!name || o.symbol === name))
      .map((o) => queryOrder(new URLSearchParams({ orderId: o.orderId })));
  }

  function accountTrades(p: URLSearchParams) {
    const name = p.get('symbol');
    const clientOrderId = p.get('clientOrderId');
    const start = p.get('startTime') ? Number(p.get('startTime')) : -Infinity;
    const end = p.get('endTime') ? Number(p.get('endTime')) : Infinity;
    const limit = Math.min(Number(p.get('limit') ?? 200) || 200, 500);
    const hidden = new Set(orders.filter((o) => o.pendingQueries > 0).map((o) => o.orderId));
    return trades
      .filter((t) => !hidden.has(t.orderId))
      .filter((t) => (!name || t.symbol === name) && (!clientOrderId || t.clientOrderId === clientOrderId))
      .filter((t) => t.time >= start && t.time <= end)
      .slice(-limit)
      .map((t) => ({
        id: t.id,
        clientOrderId: t.clientOrderId,
        ticketId: t.id,
        symbol: t.symbol,
        symbolName: t.symbol,
        orderId: t.orderId,
        matchOrderId: '0',
        price: t.price,
        qty: t.qty,
        commission: t.commission,
        commissionAsset: t.commissionAsset,
        time: String(t.time),
        isBuyer: t.isBuyer,
        isMaker: false,
        fee: { feeCoinId: t.commissionAsset, feeCoinName: t.commissionAsset, fee: t.commission },
        feeCoinId: t.commissionAsset,
        feeAmount: t.commission,
        makerRebate: '0',
      }));
  }

  function ack(order: StoredOrder, hide: boolean) {
    return {
      accountId: ACCOUNT_ID,
      symbol: order.symbol,
      symbolName: order.symbol,
      clientOrderId: order.clientOrderId,
      orderId: order.orderId,
      transactTime: String(order.updateTime),
      price: order.price,
      origQty: order.origQty,
      executedQty: hide ? '0' : order.executedQty,
      status: hide ? 'NEW' : order.status,
      timeInForce: order.type === 'MARKET' ? 'IOC' : 'GTC',
      type: order.type,
      side: order.side,
      reqAmount: order.reqAmount || '0',
      concentration: '',
    };
  }

  // ---- server lifecycle ---------------------------------------------------------------------

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: '-1000', msg: `stand-in server error: ${(error as Error).message}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    secret,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const h of holds.splice(0)) h.open();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
    setClockSkewMs: (ms) => {
      skewMs = ms;
    },
    serverTime,
    setPrice: (symbol, price) => {
      const spec = symbols.get(symbol);
      if (!spec) throw new Error(`unknown symbol ${symbol}`);
      spec.price = price;
    },
    setBalance: (asset, free) => {
      balance(asset).free = free;
    },
    balances,
    orders,
    trades,
    requests,
    failNext: (failure) => {
      failures.push({ ...failure });
    },
    hold: (match) => {
      let open!: () => void;
      let reached!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
      const entry = { ...match, gate, open, reached, count: 0 };
      holds.push(entry);
      return {
        reached: reachedPromise,
        held: () => entry.count,
        release: () => {
          const i = holds.indexOf(entry);
          if (i >= 0) holds.splice(i, 1);
          open();
        },
      };
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 65_536) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function checkDecimal(text: string, field: string): void {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new ApiFailure('0001', `Required field ${field} missing or invalid`);
}

/** Plain decimal text with at most 10 fraction digits. */
function fmt(n: number): string {
  return toDecimalString(Number(Math.max(0, n).toFixed(10)));
}

/** Price text with 2 fraction digits (the default symbols' tick). */
function fmt2(n: number): string {
  return toDecimalString(Number(n.toFixed(2)));
}

function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** Deterministic value in [0, 1) for (seed, i): mulberry32 of a mixed seed. */
function noise(seed: number, i: number): number {
  let t = (seed ^ Math.imul(i | 0, 0x9e3779b1) ^ Math.floor(i / 4294967296)) >>> 0;
  t = (t + 0x6d2b79f5) >>> 0;
  let r = Math.imul(t ^ (t >>> 15), 1 | t);
  r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
  return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
}
