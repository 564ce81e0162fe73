import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExchangeError, FillUnresolvedError, type Exchange } from '../../../../src/hub/exchange/exchange.js';
import { createHashKeyClient, type HashKeyClient } from '../../../../src/hub/exchange/hashkey/client.js';
import { OrderRejectedLocallyError, UnknownSymbolError } from '../../../../src/hub/exchange/hashkey/errors.js';
import { createHashKeyExchange, type HashKeyExchangeOptions } from '../../../../src/hub/exchange/hashkey/exchange.js';
import { startHashKeyServer, type HashKeyServer } from '../../../support/hashkey-server.js';
import { rejectionOf } from '../../../support/rejection.js';

const T0 = 1_722_000_000_000;

describe('HashKey exchange (broker interface)', () => {
  let hk: HashKeyServer;
  let clock: number;
  let sleeps: number[];

  function build(overrides: { fetch?: typeof fetch; secret?: string } = {}, options: HashKeyExchangeOptions = {}) {
    const client: HashKeyClient = createHashKeyClient({
      baseUrl: hk.url,
      apiKey: hk.apiKey,
      secret: overrides.secret ?? hk.secret,
      now: () => clock,
      fetch: overrides.fetch,
    });
    return createHashKeyExchange(client, {
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options,
    });
  }

  async function start(options: Parameters<typeof startHashKeyServer>[0] = {}) {
    hk = await startHashKeyServer({ now: () => clock, ...options });
  }

  beforeEach(() => {
    clock = T0;
    sleeps = [];
  });
  afterEach(async () => {
    await hk.close();
  });

  it('places a market buy rounded to the step and resolves average price, quantity and fee', async () => {
    await start();
    const exchange: Exchange = build();
    expect(exchange.name).toBe('hashkey');
    const fill = await exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.0123456, clientOrderId: 'intent-1' });

    expect(hk.orders).toHaveLength(1);
    expect(hk.orders[0]).toMatchObject({ clientOrderId: 'intent-1', type: 'MARKET', origQty: '0.01234' });
    // Two executions: 0.00617 @ 60000 and 0.00617 @ 60000.01.
    expect(fill).toMatchObject({
      orderId: hk.orders[0].orderId,
      clientOrderId: 'intent-1',
      symbol: 'BTCUSDT',
      side: 'BUY',
      quantity: 0.01234,
      feeAsset: 'BTC',
      status: 'filled',
      time: T0,
    });
    expect(fill.price).toBeCloseTo(60000.005, 6);
    expect(fill.quoteQuantity).toBeCloseTo(0.00617 * 60000 + 0.00617 * 60000.01, 6);
    expect(fill.fee).toBeCloseTo(0.01234 * 0.0012, 12);
    expect(hk.requests.filter((r) => r.path === '/api/v1.1/spot/order')).toHaveLength(1);
  });

  it('a market sell pays its fee in the quote asset', async () => {
    await start();
    const fill = await build().marketOrder({ symbol: 'ETHUSDT', side: 'SELL', quantity: 2, clientOrderId: 'sell-1' });
    expect(fill).toMatchObject({ side: 'SELL', quantity: 2, feeAsset: 'USDT', status: 'filled' });
    expect(fill.price).toBeCloseTo(2999.995, 6);
    expect(fill.fee).toBeCloseTo((3000 + 2999.99) * 0.0012, 8);
    expect(hk.balances.get('ETH')!.free).toBeCloseTo(8, 10);
  });

  it('is idempotent per clientOrderId: a retry resolves the first order instead of trading again', async () => {
    await start();
    const exchange = build();
    const first = await exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.001, clientOrderId: 'same-key' });
    const second = await exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.001, clientOrderId: 'same-key' });
    expect(second).toEqual(first);
    expect(hk.orders).toHaveLength(1);
    const places = hk.requests.filter((r) => r.path === '/api/v1.1/spot/order');
    expect(places.map((r) => r.code)).toEqual([undefined, '-1141']);
    expect(hk.balances.get('BTC')!.free).toBeCloseTo(1 + 0.001 * (1 - 0.0012), 12);
  });

  it('refuses to reuse a clientOrderId for a different order', async () => {
    await start();
    const exchange = build();
    await exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.001, clientOrderId: 'k1' });
    const error = await rejectionOf(exchange.marketOrder({ symbol: 'BTCUSDT', side: 'SELL', quantity: 0.001, clientOrderId: 'k1' }));
    expect(error).toMatchObject({ kind: 'duplicate_order' });
    expect(hk.orders).toHaveLength(1);
  });

  it('recovers when the order was placed but the answer was lost', async () => {
    await start();
    let dropped = false;
    const lossy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!dropped && init?.method === 'POST') {
        dropped = true;
        throw new TypeError('fetch failed');
      }
      return response;
    };
    const fill = await build({ fetch: lossy }).marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.002, clientOrderId: 'lost-1' });
    expect(dropped).toBe(true);
    expect(hk.orders).toHaveLength(1);
    expect(fill).toMatchObject({ clientOrderId: 'lost-1', quantity: 0.002, status: 'filled' });
  });

  it('reports an unknown outcome as unavailable when no order exists under the key', async () => {
    await start();
    hk.failNext({ path: '/api/v1.1/spot/order', code: '-1006', msg: 'Execution status unknown' });
    const error = await rejectionOf(build().marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.002, clientOrderId: 'unk-1' }));
    expect(error).toBeInstanceOf(ExchangeError);
    expect(error).toMatchObject({ kind: 'unavailable', code: '-1006' });
    expect(hk.orders).toHaveLength(0);
  });

  it('rejects locally, without sending, below the step or the minimum notional', async () => {
    await start();
    const exchange = build();
    const dust = await rejectionOf(exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.000004, clientOrderId: 'd1' }));
    expect(dust).toBeInstanceOf(OrderRejectedLocallyError);
    expect(dust).toMatchObject({ rule: 'stepSize', kind: 'rejected' });
    const small = await rejectionOf(exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.00001, clientOrderId: 'd2' }));
    expect(small).toMatchObject({ rule: 'minNotional' });
    expect(small.message).toContain('BTCUSDT');
    expect(hk.requests.filter((r) => r.path === '/api/v1.1/spot/order')).toHaveLength(0);
    // exchangeInfo is loaded once and reused
    expect(hk.requests.filter((r) => r.path === '/api/v1/exchangeInfo')).toHaveLength(1);
  });

  it('reloads symbols after the TTL', async () => {
    await start();
    const exchange = build({}, { symbolsTtlMs: 1000 });
    await exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.001, clientOrderId: 'a' });
    clock += 999;
    await exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.001, clientOrderId: 'b' });
    clock += 2;
    await exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.001, clientOrderId: 'c' });
    expect(hk.requests.filter((r) => r.path === '/api/v1/exchangeInfo')).toHaveLength(2);
  });

  it('an unknown symbol is a typed error', async () => {
    await start();
    const error = await rejectionOf(build().marketOrder({ symbol: 'DOGEUSDT', side: 'BUY', quantity: 1, clientOrderId: 'x' }));
    expect(error).toBeInstanceOf(UnknownSymbolError);
  });

  it('polls the order until it is final', async () => {
    await start({ pendingQueries: 2 });
    const fill = await build({}, { fillPollIntervalMs: 50 }).marketOrder({
      symbol: 'BTCUSDT',
      side: 'BUY',
      quantity: 0.001,
      clientOrderId: 'slow-1',
    });
    expect(fill.quantity).toBe(0.001);
    expect(sleeps).toEqual([50, 50]);
    expect(hk.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/spot/order')).toHaveLength(3);
  });

  it('gives up with FillUnresolvedError and a retry with the same key resumes', async () => {
    await start({ pendingQueries: 4 });
    const exchange = build({}, { fillPollAttempts: 3 });
    const error = await rejectionOf(exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.001, clientOrderId: 'slow-2' }));
    expect(error).toBeInstanceOf(FillUnresolvedError);
    expect(error).toMatchObject({ kind: 'unavailable', clientOrderId: 'slow-2', status: 'NEW' });
    const fill = await exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.001, clientOrderId: 'slow-2' });
    expect(fill).toMatchObject({ clientOrderId: 'slow-2', quantity: 0.001 });
    expect(hk.orders).toHaveLength(1);
  });

  it('insufficient balance surfaces as kind insufficient_balance', async () => {
    await start({ balances: { USDT: 5 } });
    const error = await rejectionOf(build().marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.001, clientOrderId: 'poor' }));
    expect(error).toMatchObject({ kind: 'insufficient_balance' });
  });

  it('says when nothing can have executed: refusals before or at placement, not an order without an answer', async () => {
    await start({ balances: { USDT: 5 } });
    const exchange = build();
    const dust = await rejectionOf(exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.000004, clientOrderId: 'n1' }));
    expect(dust).toMatchObject({ rule: 'stepSize', nothingExecuted: true });
    const poor = await rejectionOf(exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.001, clientOrderId: 'n2' }));
    expect(poor).toMatchObject({ kind: 'insufficient_balance', nothingExecuted: true });
    hk.setBalance('USDT', 100_000);
    hk.failNext({ path: '/api/v1.1/spot/order', method: 'POST', code: '-1001', msg: 'Internal error', httpStatus: 500 });
    const unknown = await rejectionOf(exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.001, clientOrderId: 'n3' }));
    expect(unknown).toMatchObject({ kind: 'unavailable', nothingExecuted: false });
  });

  it('finds an order by client order id: absent, filled (the fill marketOrder returns), unfilled', async () => {
    await start();
    const exchange = build();
    expect(exchange.orderArrivalWindowMs).toBe(6000); // recvWindow 5000 + 1 s of clock tolerance
    expect(await exchange.findOrder('never-sent')).toEqual({ state: 'absent' });
    const fill = await exchange.marketOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: 0.001, clientOrderId: 'found' });
    expect(await exchange.findOrder('found')).toEqual({ state: 'filled', fill });
    const client = createHashKeyClient({ baseUrl: hk.url, apiKey: hk.apiKey, secret: hk.secret, now: () => clock });
    await client.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', price: 1000, quantity: 0.001, clientOrderId: 'resting' });
    expect(await exchange.findOrder('resting')).toEqual({ state: 'working', status: 'NEW' });
    await client.cancelOrder({ clientOrderId: 'resting' });
    expect(await exchange.findOrder('resting')).toEqual({ state: 'unfilled', status: 'CANCELED' });
  });

  it('reads balances and checks credentials', async () => {
    await start({ balances: { USDT: 250.5, BTC: 0.25 } });
    expect(await build().balances()).toEqual([
      { asset: 'USDT', free: 250.5, locked: 0, total: 250.5 },
      { asset: 'BTC', free: 0.25, locked: 0, total: 0.25 },
    ]);
    await expect(build().checkCredentials()).resolves.toBeUndefined();
    const error = await rejectionOf(build({ secret: 'not-the-secret' }).checkCredentials());
    expect(error).toMatchObject({ kind: 'auth' });
    expect(error.message).not.toContain('not-the-secret');
  });
});
