import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExchangeError } from '../../../../src/hub/exchange/exchange.js';
import {
  createHashKeyClient,
  HASHKEY_PRODUCTION_URL,
  HASHKEY_SANDBOX_URL,
  type HashKeyClient,
} from '../../../../src/hub/exchange/hashkey/client.js';
import {
  HashKeyApiError,
  HashKeyCredentialsMissingError,
  HashKeyNetworkError,
  OrderRejectedLocallyError,
} from '../../../../src/hub/exchange/hashkey/errors.js';
import { INTERVALS, INTERVAL_MS } from '../../../../src/shared/market.js';
import { DEFAULT_HASHKEY_SYMBOLS, DOC_EXAMPLE_SECRET, startHashKeyServer, type HashKeyServer } from '../../../support/hashkey-server.js';
import { rejectionOf } from '../../../support/rejection.js';

const T0 = 1_722_000_000_000; // fixed epoch ms; both clocks are fakes

describe('HashKey client', () => {
  let hk: HashKeyServer;
  let clock: number;
  let client: HashKeyClient;

  beforeEach(async () => {
    clock = T0;
    hk = await startHashKeyServer({ now: () => clock });
    client = createHashKeyClient({ baseUrl: hk.url, apiKey: hk.apiKey, secret: hk.secret, now: () => clock });
  });
  afterEach(async () => {
    await hk.close();
  });

  it('picks production, sandbox, or the override URL', () => {
    expect(createHashKeyClient().baseUrl).toBe(HASHKEY_PRODUCTION_URL);
    expect(HASHKEY_PRODUCTION_URL).toBe('https://api-glb.hashkey.com');
    expect(createHashKeyClient({ sandbox: true }).baseUrl).toBe('https://api-glb.sim.hashkeydev.com');
    expect(HASHKEY_SANDBOX_URL).toBe('https://api-glb.sim.hashkeydev.com');
    expect(createHashKeyClient({ sandbox: true, baseUrl: 'http://127.0.0.1:1/' }).baseUrl).toBe('http://127.0.0.1:1');
  });

  describe('public endpoints', () => {
    it('reads the server time', async () => {
      hk.setClockSkewMs(1234);
      expect(await client.serverTime()).toBe(T0 + 1234);
    });

    it('reads symbols and their trading filters', async () => {
      const info = await client.exchangeInfo();
      const btc = info.symbols.find((s) => s.symbol === 'BTCUSDT');
      expect(btc).toMatchObject({ status: 'TRADING', baseAsset: 'BTC', quoteAsset: 'USDT' });
      expect(btc!.filters).toMatchObject({ stepSize: '0.00001', tickSize: '0.01', minNotional: '1', marketOrderMaxQty: '4' });
      expect(info.serverTime).toBe(T0);
    });

    it('reads the last price from either ticker shape', async () => {
      hk.setPrice('ETHUSDT', 3123.45);
      expect(await client.tickerPrice('ETHUSDT')).toBe(3123.45);
      const objectShaped = await startHashKeyServer({ now: () => clock, tickerShape: 'object' });
      try {
        const c = createHashKeyClient({ baseUrl: objectShaped.url });
        expect(await c.tickerPrice('BTCUSDT')).toBe(60000);
        expect(objectShaped.requests[0].query).toBe('symbol=BTCUSDT');
      } finally {
        await objectShaped.close();
      }
    });

    it('maps every Artic interval and returns ordered, deterministic candles', async () => {
      for (const interval of INTERVALS) {
        const candles = await client.klines('BTCUSDT', interval, 5);
        const step = INTERVAL_MS[interval];
        expect(candles).toHaveLength(5);
        expect(candles[4].openTime).toBe(Math.floor(T0 / step) * step);
        for (let i = 1; i < 5; i++) expect(candles[i].openTime - candles[i - 1].openTime).toBe(step);
        for (const c of candles) {
          expect(c.high).toBeGreaterThanOrEqual(Math.max(c.open, c.close));
          expect(c.low).toBeLessThanOrEqual(Math.min(c.open, c.close));
          expect(c.volume).toBeGreaterThan(0);
        }
        const last = hk.requests.at(-1)!;
        expect(last.path).toBe('/quote/v1/klines');
        expect(new URLSearchParams(last.query).get('interval')).toBe(interval);
      }
      const again = await client.klines('BTCUSDT', '1h', 3);
      const before = await client.klines('BTCUSDT', '1h', 3);
      expect(again).toEqual(before);
    });

    it('caps the klines limit at 1000 and passes a time range', async () => {
      await client.klines('BTCUSDT', '1m', 5000, { endTime: T0 - 3_600_000 });
      const params = new URLSearchParams(hk.requests.at(-1)!.query);
      expect(params.get('limit')).toBe('1000');
      expect(params.get('endTime')).toBe(String(T0 - 3_600_000));
    });

    it('sends no API key or signature on public requests', async () => {
      await client.tickerPrice('BTCUSDT');
      expect(hk.requests[0].apiKey).toBeUndefined();
      expect(hk.requests[0].query).not.toContain('signature');
    });
  });

  describe('signed endpoints', () => {
    it('signs GET requests in the query string, verified by the server', async () => {
      const balances = await client.accountBalances();
      expect(balances).toEqual(
        expect.arrayContaining([
          { asset: 'USDT', free: 100000, locked: 0, total: 100000 },
          { asset: 'BTC', free: 1, locked: 0, total: 1 },
        ]),
      );
      const req = hk.requests[0];
      expect(req).toMatchObject({ method: 'GET', path: '/api/v1/account', status: 200, apiKey: hk.apiKey, body: '' });
      expect(req.query).toMatch(new RegExp(`^recvWindow=5000&timestamp=${T0}&signature=[0-9a-f]{64}$`));
    });

    it('sends POST parameters as a signed form body, exactly what was signed', async () => {
      await client.placeOrder({
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        quantity: 0.001,
        price: '50000.00',
        clientOrderId: 'abc-1',
      });
      const req = hk.requests[0];
      expect(req.contentType).toBe('application/x-www-form-urlencoded');
      expect(req.query).toBe('');
      const payload = `symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.001&price=50000&newClientOrderId=abc-1&recvWindow=5000&timestamp=${T0}`;
      const signature = createHmac('sha256', hk.secret).update(payload).digest('hex');
      expect(req.body).toBe(`${payload}&signature=${signature}`);
      expect(req.status).toBe(200);
    });

    it('accepts the documented query+body split example at the stand-in server (cross-check of the server)', async () => {
      const docServer = await startHashKeyServer({
        now: () => 1538323200000,
        balances: { BTC: 1 },
        symbols: [
          {
            ...DEFAULT_HASHKEY_SYMBOLS[1],
            symbol: 'ETHBTC',
            baseAsset: 'ETH',
            quoteAsset: 'BTC',
            price: 0.05,
            tickSize: '0.01',
            minPrice: '0.01',
            minNotional: '0',
            minAmount: '0',
          },
        ],
      });
      try {
        const response = await fetch(`${docServer.url}/api/v1.1/spot/order?symbol=ETHBTC&side=BUY&type=LIMIT&timeInForce=GTC`, {
          method: 'POST',
          headers: { 'X-HK-APIKEY': docServer.apiKey, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'quantity=1&price=0.1&recvWindow=5000&timestamp=1538323200000&signature=885c9e3dd89ccd13408b25e6d54c2330703759d7494bea6dd5a3d1fd16ba3afa',
        });
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ symbol: 'ETHBTC', side: 'BUY', type: 'LIMIT', status: 'FILLED' });
      } finally {
        await docServer.close();
      }
    });

    it('places, queries and cancels a resting limit order', async () => {
      const placed = await client.placeOrder({
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        quantity: '0.01',
        price: 50000,
        clientOrderId: 'rest-1',
        timeInForce: 'GTC',
      });
      expect(placed).toMatchObject({ clientOrderId: 'rest-1', status: 'NEW', side: 'BUY', type: 'LIMIT', price: 50000, origQty: 0.01 });
      expect(hk.balances.get('USDT')).toEqual({ free: 99500, locked: 500 });

      const byClientId = await client.queryOrder({ clientOrderId: 'rest-1' });
      expect(byClientId).toMatchObject({ orderId: placed.orderId, status: 'NEW', executedQty: 0, avgPrice: 0, timeInForce: 'GTC' });
      expect(new URLSearchParams(hk.requests.at(-1)!.query).get('origClientOrderId')).toBe('rest-1');

      const cancelled = await client.cancelOrder({ orderId: placed.orderId });
      expect(cancelled).toMatchObject({ orderId: placed.orderId, status: 'CANCELED' });
      expect(hk.requests.at(-1)).toMatchObject({ method: 'DELETE', body: '' });
      expect(hk.balances.get('USDT')).toEqual({ free: 100000, locked: 0 });
      expect((await client.queryOrder({ orderId: placed.orderId })).status).toBe('CANCELED');

      const again = await rejectionOf(client.cancelOrder({ clientOrderId: 'rest-1' }));
      expect(again).toMatchObject({ name: 'HashKeyApiError', code: '-1142', kind: 'order_not_found' });
    });

    it('executes a market order and lists its executions with commissions', async () => {
      const placed = await client.placeOrder({ symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: 1, clientOrderId: 'mkt-1' });
      expect(placed.status).toBe('FILLED');
      const order = await client.queryOrder({ orderId: placed.orderId });
      expect(order).toMatchObject({ executedQty: 1, status: 'FILLED', feeCoin: 'ETH' });
      expect(order.cumulativeQuoteQty).toBeCloseTo(0.5 * 3000 + 0.5 * 3000.01, 8);
      expect(order.avgPrice).toBeCloseTo(3000.005, 8);
      const trades = await client.accountTrades({ symbol: 'ETHUSDT', clientOrderId: 'mkt-1' });
      expect(trades).toHaveLength(2);
      expect(trades.map((t) => t.qty)).toEqual([0.5, 0.5]);
      expect(trades[0]).toMatchObject({ orderId: placed.orderId, commissionAsset: 'ETH', isBuyer: true, commission: 0.0006 });
    });

    it('market orders by quote amount', async () => {
      const placed = await client.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', amount: 120, clientOrderId: 'amt-1' });
      expect(new URLSearchParams(hk.requests[0].body).get('amount')).toBe('120');
      expect((await client.queryOrder({ orderId: placed.orderId })).executedQty).toBe(0.002);
    });

    it('refuses quantity and amount together before sending', async () => {
      const error = await rejectionOf(
        client.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 1, amount: 1, clientOrderId: 'x' }),
      );
      expect(error).toBeInstanceOf(OrderRejectedLocallyError);
      expect(hk.requests).toHaveLength(0);
    });
  });

  describe('errors', () => {
    it('a wrong secret is refused by the server and surfaces as a typed auth error without the secret', async () => {
      const wrongSecret = 'WRONG-SECRET-do-not-leak-0123456789';
      const bad = createHashKeyClient({ baseUrl: hk.url, apiKey: hk.apiKey, secret: wrongSecret, now: () => clock });
      const error = await rejectionOf(bad.accountBalances());
      expect(error).toBeInstanceOf(HashKeyApiError);
      expect(error).toBeInstanceOf(ExchangeError);
      expect(error).toMatchObject({ name: 'HashKeyApiError', code: '0002', kind: 'auth', httpStatus: 400 });
      const sentSignature = new URLSearchParams(hk.requests[0].query).get('signature')!;
      const text = `${error.message} ${String(error.stack)} ${JSON.stringify(error)}`;
      expect(text).not.toContain(wrongSecret);
      expect(text).not.toContain(DOC_EXAMPLE_SECRET);
      expect(text).not.toContain(sentSignature);
      expect(error.message).toContain('GET /api/v1/account');
    });

    it('an unknown API key is refused with 0102 (auth)', async () => {
      const bad = createHashKeyClient({ baseUrl: hk.url, apiKey: 'not-a-key', secret: hk.secret, now: () => clock });
      expect(await rejectionOf(bad.accountBalances())).toMatchObject({ code: '0102', kind: 'auth' });
    });

    it('signed calls without credentials fail locally', async () => {
      const keyless = createHashKeyClient({ baseUrl: hk.url });
      expect(keyless.hasCredentials).toBe(false);
      const error = await rejectionOf(keyless.accountBalances());
      expect(error).toBeInstanceOf(HashKeyCredentialsMissingError);
      expect(error).toMatchObject({ kind: 'auth' });
      expect(hk.requests).toHaveLength(0);
    });

    it('maps insufficient balance, unknown order and duplicate client order id', async () => {
      hk.setBalance('USDT', 10);
      expect(
        await rejectionOf(client.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', clientOrderId: 'poor' })),
      ).toMatchObject({ code: '0401', kind: 'insufficient_balance' });
      expect(await rejectionOf(client.queryOrder({ orderId: '42' }))).toMatchObject({ code: '0211', kind: 'order_not_found' });
      await client.placeOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.001', clientOrderId: 'dup' });
      expect(
        await rejectionOf(client.placeOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.001', clientOrderId: 'dup' })),
      ).toMatchObject({ code: '-1141', kind: 'duplicate_order' });
    });

    it('-1021 resyncs the clock from serverTime and retries exactly once', async () => {
      hk.setClockSkewMs(60_000);
      const balances = await client.accountBalances();
      expect(balances.length).toBeGreaterThan(0);
      expect(hk.requests.map((r) => `${r.method} ${r.path} ${r.status} ${r.code ?? ''}`.trim())).toEqual([
        'GET /api/v1/account 400 -1021',
        'GET /api/v1/time 200',
        'GET /api/v1/account 200',
      ]);
      expect(client.clockOffsetMs()).toBe(60_000);
      expect(new URLSearchParams(hk.requests[2].query).get('timestamp')).toBe(String(T0 + 60_000));
      await client.accountBalances();
      expect(hk.requests).toHaveLength(4); // the learned offset holds: no further resync
    });

    it('a second -1021 after the resync is thrown as a timestamp error', async () => {
      hk.failNext({ path: '/api/v1/account', code: '-1021', msg: 'Timestamp for this request is outside of the recvWindow', times: 2 });
      const error = await rejectionOf(client.accountBalances());
      expect(error).toMatchObject({ name: 'HashKeyApiError', code: '-1021', kind: 'timestamp' });
      expect(hk.requests.map((r) => r.path)).toEqual(['/api/v1/account', '/api/v1/time', '/api/v1/account']);
    });

    it('public requests are never retried on -1021', async () => {
      hk.failNext({ path: '/quote/v1/ticker/price', code: '-1021', msg: 'x' });
      expect(await rejectionOf(client.tickerPrice('BTCUSDT'))).toMatchObject({ kind: 'timestamp' });
      expect(hk.requests).toHaveLength(1);
    });

    it('rate limits surface as kind rate_limited, retryable', async () => {
      hk.failNext({ path: '/api/v1/account', code: '-3145', msg: 'Please DO NOT submit request too frequently', httpStatus: 429 });
      const error = (await rejectionOf(client.accountBalances())) as HashKeyApiError;
      expect(error).toMatchObject({ kind: 'rate_limited', httpStatus: 429 });
      expect(error.retryable).toBe(true);
    });

    it('no answer becomes a HashKeyNetworkError (unavailable)', async () => {
      const closed = await startHashKeyServer();
      const url = closed.url;
      await closed.close();
      const dead = createHashKeyClient({ baseUrl: url, apiKey: 'k', secret: 's3cr3t-value' });
      const error = await rejectionOf(dead.accountBalances());
      expect(error).toBeInstanceOf(HashKeyNetworkError);
      expect(error).toMatchObject({ kind: 'unavailable' });
      expect(error.message).not.toContain('s3cr3t-value');
      expect(error.message).not.toContain('signature=');
    });

    it('redacts the secret even when the exchange echoes it, and treats HTTP 200 error bodies as errors', async () => {
      const secret = 'echoed-secret-abcdef';
      const echo = createHashKeyClient({
        apiKey: 'key',
        secret,
        now: () => clock,
        fetch: async () => new Response(JSON.stringify({ code: -100012, msg: `bad param signature for ${secret}` }), { status: 200 }),
      });
      const error = await rejectionOf(echo.accountBalances());
      expect(error).toMatchObject({ code: '-100012', kind: 'bad_request', httpStatus: 200 });
      expect(error.message).not.toContain(secret);
      expect(error.message).toContain('[redacted]');
    });

    it('a timeout becomes a HashKeyNetworkError', async () => {
      const slow = createHashKeyClient({
        timeoutMs: 20,
        fetch: (_url, init) =>
          new Promise<Response>((_resolve, reject) => {
            // The reason of a timed-out AbortSignal is a DOMException (TimeoutError).
            init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as DOMException));
          }),
      });
      const error = await rejectionOf(slow.serverTime());
      expect(error).toBeInstanceOf(HashKeyNetworkError);
      expect(error.message).toContain('timeout');
    });
  });
});
