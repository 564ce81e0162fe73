import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, type Config } from '../../../src/config.js';
import { initOrm, type Orm } from '../../../src/db/orm.js';
import { HASHKEY_SANDBOX_URL } from '../../../src/hub/exchange/hashkey/client.js';
import { createMarketFromConfig, resolveMarketSource } from '../../../src/hub/market/market-from-config.js';
import type { MarketDataChoice } from '../../../src/config.js';
import { startHashKeyServer, type HashKeyServer } from '../../support/hashkey-server.js';
import { startTwelveDataServer, type TwelveDataServer } from '../../support/twelve-data-server.js';
import { createTestOrm } from '../../support/db.js';

const NOW = Date.UTC(2026, 2, 10, 10, 5, 0);
const now = () => NOW;

let orm: Orm;
let restartedOrm: Orm;
let close: () => Promise<void>;
let td: TwelveDataServer;
let hk: HashKeyServer;

beforeAll(async () => {
  let db;
  ({ orm, db, close } = await createTestOrm('marketcfg'));
  restartedOrm = await initOrm(db.url);
  td = await startTwelveDataServer({ apiKey: 'td-key', now });
  hk = await startHashKeyServer({ now });
});
afterAll(async () => {
  await td?.close();
  await hk?.close();
  await restartedOrm?.close(true);
  await close?.();
});

function config(source: MarketDataChoice, market: Partial<Config['market']> = {}, hashkey: Partial<Config['hashkey']> = {}) {
  return {
    market: {
      source,
      twelveDataApiKey: undefined,
      twelveDataBaseUrl: td.url,
      twelveDataPerMinute: 8,
      twelveDataDailyCredits: 800,
      cmcApiKey: undefined,
      cmcBaseUrl: 'http://127.0.0.1:9',
      simulatedSeed: 7,
      ...market,
    },
    hashkey: { apiKey: undefined, secret: undefined, sandbox: false, baseUrl: hk.url, ...hashkey },
  } satisfies Pick<Config, 'market' | 'hashkey'>;
}

async function sources(symbol: string, interval: string): Promise<string[]> {
  const rows: Array<{ source: string }> = await orm.em
    .getConnection()
    .execute('select distinct source from candles where symbol = ? and "interval" = ?', [symbol, interval]);
  return rows.map((r) => r.source);
}

describe('createMarketFromConfig', () => {
  it('auto resolves to Twelve Data with a key, else HashKey', () => {
    expect(resolveMarketSource({ source: 'auto', twelveDataApiKey: 'k' })).toBe('twelvedata');
    expect(resolveMarketSource({ source: 'auto', twelveDataApiKey: undefined })).toBe('hashkey');
    expect(resolveMarketSource({ source: 'simulated', twelveDataApiKey: 'k' })).toBe('simulated');
  });

  it('MARKET_DATA=twelvedata without a key is a clear configuration error', () => {
    const attempt = () => createMarketFromConfig(config('twelvedata'), { orm, now });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/TWELVE_DATA_API_KEY/);
  });

  it('auto with a key: Twelve Data behind the limiter, candles cached in PostgreSQL, credits persisted', async () => {
    const market = createMarketFromConfig(config('auto', { twelveDataApiKey: 'td-key', twelveDataDailyCredits: 3 }), { orm, now });
    expect(market).toMatchObject({ provider: 'twelvedata', simulated: false });
    const first = await market.service.getCandles({ symbol: 'BTC/USD', interval: '15m', limit: 50 });
    expect(first).toMatchObject({ cached: false, stale: false, source: 'twelvedata', simulated: false });
    expect(first.candles).toHaveLength(50);
    const again = await market.service.getCandles({ symbol: 'BTCUSDT', interval: '15m', limit: 50 });
    expect(again.cached).toBe(true);
    expect(td.callCount('/time_series')).toBe(1);
    expect(await sources('BTCUSDT', '15m')).toEqual(['twelvedata']);
    expect(await market.limiter!.credits()).toEqual({ day: '2026-03-10', used: 1, budget: 3 });

    // A restarted hub (new ORM, new service) keeps counting and serves from the PostgreSQL cache.
    const restarted = createMarketFromConfig(config('auto', { twelveDataApiKey: 'td-key', twelveDataDailyCredits: 3 }), {
      orm: restartedOrm,
      now,
    });
    const cached = await restarted.service.getCandles({ symbol: 'BTCUSDT', interval: '15m', limit: 50 });
    expect(cached).toMatchObject({ cached: true, stale: false });
    expect(td.callCount('/time_series')).toBe(1);
    await restarted.service.getCandles({ symbol: 'ETHUSDT', interval: '1h', limit: 10 });
    await restarted.service.getCandles({ symbol: 'SOLUSDT', interval: '1h', limit: 10 });
    expect(await restarted.limiter!.credits()).toMatchObject({ used: 3 });
    await expect(restarted.service.getCandles({ symbol: 'XRPUSDT', interval: '1h', limit: 10 })).rejects.toThrow(/No candles/);
    expect(td.callCount('/time_series')).toBe(3);
  });

  it('hashkey: keyless public klines through a gentle limiter with no daily budget', async () => {
    const market = createMarketFromConfig(config('hashkey'), { orm, now });
    expect(market).toMatchObject({ provider: 'hashkey', simulated: false });
    expect(market.limiter!.stats().dailyCredits).toBe(Infinity);
    const result = await market.service.getCandles({ symbol: 'ETHUSDT', interval: '4h', limit: 20 });
    expect(result).toMatchObject({ source: 'hashkey', stale: false });
    expect(result.candles.length).toBeGreaterThan(0);
    expect(hk.requests.some((r) => r.path === '/quote/v1/klines')).toBe(true);
    expect(await sources('ETHUSDT', '4h')).toEqual(['hashkey']);
  });

  it('hashkey with HASHKEY_SANDBOX and no base URL reads the sandbox host', async () => {
    const urls: string[] = [];
    const fetchStub = (async (input: string | URL | Request) => {
      urls.push(input instanceof Request ? input.url : String(input));
      return new Response(JSON.stringify({ code: '0001', msg: 'stub' }), { status: 500 });
    }) as typeof fetch;
    const market = createMarketFromConfig(config('hashkey', {}, { baseUrl: undefined, sandbox: true }), { orm, now, fetch: fetchStub });
    await expect(market.service.getCandles({ symbol: 'ADAUSDT', interval: '1h', limit: 5 })).rejects.toThrow();
    expect(urls[0]!.startsWith(`${HASHKEY_SANDBOX_URL}/quote/v1/klines?`)).toBe(true);
  });

  it('simulated: no limiter, labelled simulated, rows tagged simulated', async () => {
    const market = createMarketFromConfig(config('simulated', { twelveDataApiKey: 'ignored' }), { orm, now });
    expect(market).toMatchObject({ provider: 'simulated', simulated: true });
    expect(market.limiter).toBeUndefined();
    const result = await market.service.getCandles({ symbol: 'LINKUSDT', interval: '5m', limit: 30 });
    expect(result).toMatchObject({ source: 'simulated', simulated: true });
    expect(result.candles).toHaveLength(30);
    const other = createMarketFromConfig(config('simulated'), { orm: restartedOrm, now });
    const price = await other.service.getPrice('LINKUSDT');
    expect(price).toMatchObject({ simulated: true, stale: false });
    expect(await sources('LINKUSDT', '5m')).toEqual(['simulated']);
  });
});
