import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERVALS } from '../../../src/shared/market.js';
import { ProviderAuthError, ProviderRequestError, RateLimitedError } from '../../../src/hub/market/errors.js';
import { parseSymbol } from '../../../src/hub/market/symbols.js';
import { createTwelveDataProvider, parseTwelveDataDatetime, TWELVE_DATA_INTERVALS } from '../../../src/hub/market/twelve-data.js';
import { startTwelveDataServer, type TwelveDataServer } from '../../support/twelve-data-server.js';
import { rejectionOf } from '../../support/rejection.js';

const NOW = Date.UTC(2026, 2, 10, 12, 34, 56);
const API_KEY = 'secret-key-123';
const btc = parseSymbol('BTCUSDT');

let server: TwelveDataServer;
beforeAll(async () => {
  server = await startTwelveDataServer({ apiKey: API_KEY, now: () => NOW, exchangeOffsetMinutes: -300 });
});
afterAll(() => server.close());

describe('Twelve Data client', () => {
  it('maps every Artic interval to a Twelve Data interval the server accepts', async () => {
    expect(TWELVE_DATA_INTERVALS).toEqual({
      '1m': '1min',
      '5m': '5min',
      '15m': '15min',
      '30m': '30min',
      '1h': '1h',
      '4h': '4h',
      '1d': '1day',
    });
    const td = createTwelveDataProvider({ apiKey: API_KEY, baseUrl: server.url });
    for (const interval of INTERVALS) {
      const candles = await td.candles(btc, interval, 3);
      expect(candles, interval).toHaveLength(3);
    }
  });

  it('returns oldest-first UTC candles and sends symbol, order, timezone; key only in the header', async () => {
    const td = createTwelveDataProvider({ apiKey: API_KEY, baseUrl: server.url });
    const before = server.calls.length;
    const candles = await td.candles(btc, '15m', 5);
    const call = server.calls[before]!;
    expect(call.path).toBe('/time_series');
    expect(call.query).toMatchObject({ symbol: 'BTC/USD', interval: '15min', outputsize: '5', order: 'asc', timezone: 'UTC' });
    expect(call.keyInUrl).toBe(false);
    const current = Math.floor(NOW / 900_000) * 900_000;
    expect(candles.map((c) => c.openTime)).toEqual([4, 3, 2, 1, 0].map((k) => current - k * 900_000));
    for (const c of candles) {
      expect(c.high).toBeGreaterThanOrEqual(Math.max(c.open, c.close));
      expect(c.low).toBeLessThanOrEqual(Math.min(c.open, c.close));
      expect(c.volume).toBeGreaterThan(0);
    }
    expect((await td.candles(btc, '1d', 2)).map((c) => c.openTime)).toEqual([Date.UTC(2026, 2, 9), Date.UTC(2026, 2, 10)]);
  });

  it('reads a history window by start_date/end_date (one bar of slack at the end), and an empty window as no bars', async () => {
    const td = createTwelveDataProvider({ apiKey: API_KEY, baseUrl: server.url });
    expect(td.pageBars).toBe(4_999);
    const from = Date.UTC(2026, 0, 2, 3, 15);
    const to = from + 4_998 * 900_000;
    const before = server.calls.length;
    const bars = await td.candlesBetween(btc, '15m', from, to);
    expect(bars).toHaveLength(4_999);
    expect([bars[0]!.openTime, bars.at(-1)!.openTime]).toEqual([from, to]);
    const call = server.calls[before]!;
    expect(call.query).toMatchObject({
      symbol: 'BTC/USD',
      interval: '15min',
      start_date: '2026-01-02 03:15:00',
      end_date: new Date(to + 900_000).toISOString().slice(0, 19).replace('T', ' '),
      outputsize: '5000',
      order: 'asc',
      timezone: 'UTC',
    });
    expect(call.keyInUrl).toBe(false);
    const listed = await startTwelveDataServer({ apiKey: API_KEY, now: () => NOW, historyFrom: Date.UTC(2026, 1, 1) });
    try {
      const young = createTwelveDataProvider({ apiKey: API_KEY, baseUrl: listed.url });
      expect(await young.candlesBetween(btc, '1h', Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 20))).toEqual([]);
      expect(listed.calls.at(-1)!.errorCode).toBe(400);
      const across = await young.candlesBetween(btc, '1d', Date.UTC(2026, 0, 30), Date.UTC(2026, 1, 2));
      expect(across.map((c) => c.openTime)).toEqual([Date.UTC(2026, 1, 1), Date.UTC(2026, 1, 2)]);
    } finally {
      await listed.close();
    }
  });

  it('sorts newest-first bodies, skips null rows, defaults a missing volume to 0', async () => {
    const body = {
      meta: { symbol: 'BTC/USD', interval: '1day' },
      values: [
        { datetime: '2026-08-22', open: '78338.03', high: '78828.15', low: '76500', close: '77074.93' },
        { datetime: '2026-08-21', open: null, high: null, low: null, close: null },
        { datetime: '2026-08-20', open: '73027.02', high: '79500', low: '73027.02', close: '78338.03' },
      ],
      status: 'ok',
    };
    const td = createTwelveDataProvider({ apiKey: 'k', fetch: async () => new Response(JSON.stringify(body)) });
    const candles = await td.candles(btc, '1d', 10);
    expect(candles).toEqual([
      { openTime: Date.UTC(2026, 7, 20), open: 73027.02, high: 79500, low: 73027.02, close: 78338.03, volume: 0 },
      { openTime: Date.UTC(2026, 7, 22), open: 78338.03, high: 78828.15, low: 76500, close: 77074.93, volume: 0 },
    ]);
  });

  it('parses datetimes as UTC', () => {
    expect(parseTwelveDataDatetime('2021-09-16 15:59:00')).toBe(Date.UTC(2021, 8, 16, 15, 59));
    expect(parseTwelveDataDatetime('2021-09-16')).toBe(Date.UTC(2021, 8, 16));
    expect(parseTwelveDataDatetime('yesterday')).toBeNaN();
  });

  it('reads /price', async () => {
    const td = createTwelveDataProvider({ apiKey: API_KEY, baseUrl: server.url });
    const price = await td.price(btc);
    expect(price).toBeGreaterThan(60_000);
    expect(server.calls.at(-1)!.query).toEqual({ symbol: 'BTC/USD' });
  });

  it.each([
    ['minute', 200],
    ['minute', 429],
    ['daily', 200],
    ['daily', 429],
  ] as const)('classifies a %s 429 body sent with HTTP %i', async (scope, httpStatus) => {
    const td = createTwelveDataProvider({ apiKey: API_KEY, baseUrl: server.url });
    server.failNext(1, scope, httpStatus);
    const error = await rejectionOf(td.candles(btc, '1h', 10));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.name).toBe('RateLimitedError');
    expect((error as RateLimitedError).scope).toBe(scope);
    expect(server.calls.at(-1)!.errorCode).toBe(429);
  });

  it('turns 401 into ProviderAuthError without leaking the key', async () => {
    const wrongKey = 'WRONG-KEY-should-not-leak';
    const td = createTwelveDataProvider({ apiKey: wrongKey, baseUrl: server.url });
    const error = await rejectionOf(td.candles(btc, '1h', 10));
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect((error as ProviderAuthError).code).toBe(401);
    expect(error.message).not.toContain(wrongKey);
    expect(JSON.stringify(error)).not.toContain(wrongKey);
  });

  it('redacts the key even if the upstream echoes it', async () => {
    const td = createTwelveDataProvider({
      apiKey: API_KEY,
      fetch: async () =>
        new Response(JSON.stringify({ code: 400, message: `bad request for apikey=${API_KEY}`, status: 'error' }), { status: 400 }),
    });
    const error = await rejectionOf(td.price(btc));
    expect(error).toBeInstanceOf(ProviderRequestError);
    expect((error as ProviderRequestError).code).toBe(400);
    expect(error.message).not.toContain(API_KEY);
    expect(error.message).toContain('***');
  });

  it('reports 404 unknown symbols and unreachable hosts as ProviderRequestError', async () => {
    const td = createTwelveDataProvider({ apiKey: API_KEY, baseUrl: server.url });
    const notFound = await rejectionOf(td.candles(parseSymbol('NOPEUSDT', { allowUnlisted: true }), '1h', 10));
    expect(notFound).toBeInstanceOf(ProviderRequestError);
    expect((notFound as ProviderRequestError).code).toBe(404);
    const down = createTwelveDataProvider({ apiKey: API_KEY, baseUrl: 'http://127.0.0.1:1' });
    const error = await rejectionOf(down.candles(btc, '1h', 10));
    expect(error).toBeInstanceOf(ProviderRequestError);
    expect(error.message).not.toContain(API_KEY);
  });
});
