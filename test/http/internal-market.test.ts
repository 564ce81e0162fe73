import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentCredentials } from '../../src/hub/auth/agent-credentials.js';
import { createAgentDirectory } from '../../src/hub/agents/agent-directory.js';
import { createUserService } from '../../src/hub/users.js';
import type { Config } from '../../src/config.js';
import type { Orm } from '../../src/db/orm.js';
import { createTokenService } from '../../src/hub/auth/tokens.js';
import { createCandleService } from '../../src/hub/market/candle-service.js';
import { createMemoryCandleStore } from '../../src/hub/market/candle-store.js';
import { createMarketFromConfig } from '../../src/hub/market/market-from-config.js';
import { createSimulatedProvider } from '../../src/hub/market/simulated.js';
import { internalMarketRoutes } from '../../src/http/routes/internal-market.js';
import { buildTestHttpServer } from '../support/internal-server.js';
import type { CandlesResponse, ErrorBody, PriceResponse } from '../../src/shared/wire.js';
import { createTestOrm } from '../support/db.js';
import { startTwelveDataServer, type TwelveDataServer } from '../support/twelve-data-server.js';

const tokens = createTokenService({ internalSecret: 'i'.repeat(40), jwtSecret: 'j'.repeat(40) });
const T0 = Date.UTC(2026, 2, 10, 10, 5, 0);
const H = 3_600_000;

let orm: Orm;
let closeDb: () => Promise<void>;
/** A token of an agent that exists (generation 0: never started). */
let token: string;

beforeAll(async () => {
  ({ orm, close: closeDb } = await createTestOrm('intmarket'));
  const owner = (await createUserService({ orm, accessMode: 'open', adminIds: [] }).register(1, 'A')).user.id;
  const agent = await createAgentDirectory({ orm, limits: { maxLeverage: 20 } }).create(owner, { symbol: 'BTCUSDT', amountUsdt: 100 });
  token = await tokens.mintAgentToken(agent.id);
});
afterAll(async () => closeDb?.());

async function server(market: ReturnType<typeof createCandleService>): Promise<FastifyInstance> {
  return buildTestHttpServer([{ plugin: internalMarketRoutes, options: { agentAuth: createAgentCredentials({ orm, tokens }), market } }]);
}

function get(app: FastifyInstance, url: string, token: string | undefined) {
  return app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

describe('internal market API on the simulated market', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    const now = () => T0;
    const market = createCandleService({ provider: createSimulatedProvider({ now, seed: 1 }), store: createMemoryCandleStore(), now });
    app = await server(market);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses requests without a valid agent token before looking at the query', async () => {
    for (const auth of [undefined, 'not-a-jwt', await tokens.mintUserToken(randomUUID())]) {
      const res = await get(app, '/internal/market/candles?symbol=NOPE&interval=2h', auth);
      expect(res.statusCode).toBe(401);
      expect(res.json<ErrorBody>().error).toBe('Unauthorized');
    }
    expect((await get(app, '/internal/market/price?symbol=BTCUSDT', undefined)).statusCode).toBe(401);
  });

  it('serves 200 candles by default, oldest first, labelled simulated', async () => {
    const res = await get(app, '/internal/market/candles?symbol=BTC/USD&interval=15m', token);
    expect(res.statusCode).toBe(200);
    const body = res.json<CandlesResponse>();
    expect(body).toMatchObject({ symbol: 'BTCUSDT', interval: '15m', stale: false, simulated: true, source: 'simulated' });
    expect(body.candles).toHaveLength(200);
    const times = body.candles.map((c) => c.openTime);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Object.keys(body.candles[0]!).sort()).toEqual(['close', 'high', 'low', 'open', 'openTime', 'volume']);
  });

  it('reads limit from the query string and accepts priority=position', async () => {
    const res = await get(app, '/internal/market/candles?symbol=eth-usdt&interval=1h&limit=5&priority=position', token);
    expect(res.statusCode).toBe(200);
    expect(res.json<CandlesResponse>().candles).toHaveLength(5);
    const max = await get(app, '/internal/market/candles?symbol=ETHUSDT&interval=1m&limit=1000', token);
    expect(max.json<CandlesResponse>().candles).toHaveLength(1000);
  });

  it('refuses bad queries with 400 ValidationError', async () => {
    for (const query of [
      'symbol=BTCUSDT&interval=2h',
      'symbol=BTCUSDT&interval=15m&limit=0',
      'symbol=BTCUSDT&interval=15m&limit=1001',
      'symbol=BTCUSDT&interval=15m&limit=ten',
      'symbol=BTCUSDT&interval=15m&limit=-5',
      'symbol=BTCUSDT&interval=15m&priority=background',
      'symbol=BTCUSDT&interval=15m&extra=1',
      'interval=15m',
      'symbol=BTCUSDT',
    ]) {
      const res = await get(app, `/internal/market/candles?${query}`, token);
      expect(res.statusCode, query).toBe(400);
      expect(res.json<ErrorBody>().error, query).toBe('ValidationError');
    }
  });

  it('answers an unknown symbol with 400 and the list of accepted spellings', async () => {
    const res = await get(app, '/internal/market/candles?symbol=FOOBAR&interval=15m', token);
    expect(res.statusCode).toBe(400);
    const body = res.json<ErrorBody>();
    expect(body.error).toBe('UnknownSymbolError');
    expect(body.message).toMatch(/Unknown symbol "FOOBAR".*BTCUSDT, BTC\/USD/);
    const price = await get(app, '/internal/market/price?symbol=BTC/EUR', token);
    expect(price.statusCode).toBe(400);
    expect(price.json<ErrorBody>().error).toBe('UnknownSymbolError');
  });

  it('serves the last price', async () => {
    const res = await get(app, '/internal/market/price?symbol=SOL', token);
    expect(res.statusCode).toBe(200);
    const body = res.json<PriceResponse & { at: number }>();
    expect(body).toMatchObject({ symbol: 'SOLUSDT', stale: false, simulated: true, source: 'simulated' });
    expect(body.price).toBeGreaterThan(0);
    expect(body.at).toBe(T0);
  });
});

describe('internal market API on Twelve Data (local server, PostgreSQL cache)', () => {
  let td: TwelveDataServer;
  let app: FastifyInstance;
  let t = T0;

  beforeAll(async () => {
    td = await startTwelveDataServer({ apiKey: 'td-key', now: () => t });
    const config = {
      market: {
        source: 'auto',
        twelveDataApiKey: 'td-key',
        twelveDataBaseUrl: td.url,
        twelveDataPerMinute: 8,
        twelveDataDailyCredits: 4,
        cmcApiKey: undefined,
        cmcBaseUrl: 'http://127.0.0.1:9',
        simulatedSeed: 1,
      },
      hashkey: { apiKey: undefined, secret: undefined, sandbox: false, baseUrl: undefined },
    } satisfies Pick<Config, 'market' | 'hashkey'>;
    const market = createMarketFromConfig(config, { orm, now: () => t });
    app = await server(market.service);
  });
  afterAll(async () => {
    await app?.close();
    await td?.close();
  });

  it('serves fresh candles, then stale ones with the reason when upstream says 429 and the budget is spent', async () => {
    const url = '/internal/market/candles?symbol=BTCUSDT&interval=1h&limit=50';
    const fresh = await get(app, url, token);
    expect(fresh.statusCode).toBe(200);
    expect(fresh.json<CandlesResponse>()).toMatchObject({ stale: false, simulated: false, source: 'twelvedata' });
    expect(fresh.json<CandlesResponse>().candles).toHaveLength(50);

    // Next bar: a refresh is due, but Twelve Data answers its daily 429 (with HTTP 200).
    t = T0 + H;
    td.failNext(1, 'daily', 200);
    const limited = await get(app, url, token);
    expect(limited.statusCode).toBe(200);
    expect(limited.json()).toMatchObject({ stale: true, staleReason: 'upstream', source: 'twelvedata' });
    expect(limited.json<CandlesResponse>().candles).toEqual(fresh.json<CandlesResponse>().candles);

    // The daily 429 marked the local budget spent: no further upstream call, stale for "budget".
    const calls = td.callCount();
    const spent = await get(app, `${url}&priority=position`, token);
    expect(spent.statusCode).toBe(200);
    expect(spent.json()).toMatchObject({ stale: true, staleReason: 'budget' });
    expect(td.callCount()).toBe(calls);
  });

  it('answers 503 when nothing is cached and the upstream cannot be asked', async () => {
    const candles = await get(app, '/internal/market/candles?symbol=ETHUSDT&interval=4h', token);
    expect(candles.statusCode).toBe(503);
    expect(candles.json<ErrorBody>()).toMatchObject({ error: 'CandlesUnavailableError' });
    expect(candles.json<ErrorBody>().message).toMatch(/No candles available for ETHUSDT 4h: Daily market-data credit budget spent/);
    const price = await get(app, '/internal/market/price?symbol=ETHUSDT', token);
    expect(price.statusCode).toBe(503);
    expect(price.json<ErrorBody>().error).toBe('BudgetExhaustedError');
  });

  it('refuses a validly signed token of an agent that does not exist: 401 on candles and price', async () => {
    const ghost = await tokens.mintAgentToken(randomUUID());
    for (const url of ['/internal/market/candles?symbol=BTCUSDT&interval=1h&limit=5', '/internal/market/price?symbol=BTCUSDT']) {
      const res = await get(app, url, ghost);
      expect(res.statusCode, url).toBe(401);
      expect(res.json<ErrorBody>().error).toBe('Unauthorized');
    }
  });

  it('refuses a pair the provider does not list with 400', async () => {
    const res = await get(app, '/internal/market/candles?symbol=HSKUSDT&interval=1h', token);
    expect(res.statusCode).toBe(400);
    expect(res.json<ErrorBody>()).toMatchObject({ error: 'UnsupportedSymbolError', message: 'HSKUSDT is not available from twelvedata' });
  });
});
