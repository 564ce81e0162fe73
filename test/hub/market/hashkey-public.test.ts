import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderRequestError, RateLimitedError, UnsupportedSymbolError } from '../../../src/hub/market/errors.js';
import { createHashKeyPublicProvider } from '../../../src/hub/market/hashkey-public.js';
import { parseSymbol } from '../../../src/hub/market/symbols.js';
import { startHashKeyServer, type HashKeyServer } from '../../support/hashkey-server.js';

/** Tiny HashKey Global public-quote emulator: klines rows, ticker price, `{code,msg}` errors. */
let server: Server;
let baseUrl: string;
const requests: URL[] = [];
let priceShape: 'array' | 'object' = 'array';

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url);
    const symbol = url.searchParams.get('symbol');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (symbol === 'BUSYUSDT') return reply(429, { code: '0003', msg: 'Rate limit exceeded' });
    if (symbol !== 'BTCUSDT') return reply(400, { code: -100011, msg: 'Not supported symbols' });
    if (url.pathname === '/quote/v1/klines') {
      if (!['1m', '15m', '1h', '4h', '1d', '5m', '30m'].includes(url.searchParams.get('interval') ?? '')) {
        return reply(400, { code: -10009, msg: 'Invalid interval' });
      }
      const limit = Number(url.searchParams.get('limit'));
      const rows = [];
      for (let i = 0; i < Math.min(limit, 3); i++) {
        const t = 1721684280000 + i * 60_000;
        rows.push([t, '67832.49', '67862.5', '67832.49', String(67861.44 + i), '0.01122', 0, '761.2763533', 68, '0.00561', '380.640643']);
      }
      return reply(200, rows);
    }
    if (url.pathname === '/quote/v1/ticker/price') {
      return reply(200, priceShape === 'array' ? [{ s: 'BTCUSDT', p: '64871' }] : { symbol: 'BTCUSDT', price: '64872.5' });
    }
    reply(404, { code: -1, msg: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('HashKey public provider', () => {
  const btc = parseSymbol('BTC/USDT');

  it('parses kline rows oldest-first and sends symbol/interval/limit', async () => {
    const hk = createHashKeyPublicProvider({ baseUrl });
    const candles = await hk.candles(btc, '15m', 2);
    expect(requests.at(-1)!.pathname).toBe('/quote/v1/klines');
    expect(Object.fromEntries(requests.at(-1)!.searchParams)).toEqual({ symbol: 'BTCUSDT', interval: '15m', limit: '2' });
    expect(candles).toEqual([
      { openTime: 1721684280000, open: 67832.49, high: 67862.5, low: 67832.49, close: 67861.44, volume: 0.01122 },
      { openTime: 1721684340000, open: 67832.49, high: 67862.5, low: 67832.49, close: 67862.44, volume: 0.01122 },
    ]);
    expect(hk.simulated).toBe(false);
    expect(hk.name).toBe('hashkey');
  });

  it('reads the ticker price in both documented shapes', async () => {
    const hk = createHashKeyPublicProvider({ baseUrl });
    priceShape = 'array';
    expect(await hk.price(btc)).toBe(64871);
    priceShape = 'object';
    expect(await hk.price(btc)).toBe(64872.5);
  });

  it('maps errors to typed errors', async () => {
    const hk = createHashKeyPublicProvider({ baseUrl });
    await expect(hk.candles(parseSymbol('ETHUSDT'), '1h', 5)).rejects.toBeInstanceOf(UnsupportedSymbolError);
    await expect(hk.price(parseSymbol('BUSYUSDT', { allowUnlisted: true }))).rejects.toBeInstanceOf(RateLimitedError);
    const down = createHashKeyPublicProvider({ baseUrl: 'http://127.0.0.1:1' });
    await expect(down.price(btc)).rejects.toBeInstanceOf(ProviderRequestError);
  });

  it('knows its supported pairs without a call', () => {
    const hk = createHashKeyPublicProvider({ baseUrl });
    expect(hk.supports(btc)).toBe(true);
    expect(hk.supports(parseSymbol('ATOM'))).toBe(false);
  });
});

describe('HashKey public provider: history windows (against the HashKey stand-in)', () => {
  const NOW = Date.UTC(2026, 4, 5, 10, 7, 30);
  const LISTED = Date.UTC(2026, 0, 1);
  const STEP = 900_000;
  let hk: HashKeyServer;
  beforeAll(async () => {
    hk = await startHashKeyServer({ now: () => NOW, klinesFrom: LISTED });
  });
  afterAll(() => hk.close());

  it('asks for one page by startTime/endTime and returns exactly the bars opening in it', async () => {
    const provider = createHashKeyPublicProvider({ baseUrl: hk.url });
    expect(provider.pageBars).toBe(1000);
    const from = Date.UTC(2026, 2, 1);
    const to = from + 999 * STEP;
    const bars = await provider.candlesBetween(parseSymbol('BTCUSDT'), '15m', from, to);
    expect(bars).toHaveLength(1000);
    expect([bars[0]!.openTime, bars.at(-1)!.openTime]).toEqual([from, to]);
    const query = new URLSearchParams(hk.requests.at(-1)!.query);
    expect(Object.fromEntries(query)).toEqual({
      symbol: 'BTCUSDT',
      interval: '15m',
      startTime: String(from),
      endTime: String(to + STEP - 1),
      limit: '1000',
    });
    // Windows before the listing are empty, and a window across it starts at the listing.
    expect(await provider.candlesBetween(parseSymbol('BTCUSDT'), '15m', LISTED - 100 * STEP, LISTED - STEP)).toEqual([]);
    const across = await provider.candlesBetween(parseSymbol('BTCUSDT'), '1h', LISTED - 10 * 3_600_000, LISTED + 9 * 3_600_000);
    expect(across.map((c) => c.openTime)).toEqual(Array.from({ length: 10 }, (_, i) => LISTED + i * 3_600_000));
  });
});
