import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Orm } from '../../../src/db/orm.js';
import { ValidationError } from '../../../src/hub/errors.js';
import { createCmcClient } from '../../../src/hub/info/cmc-client.js';
import { CmcKeyRefusedError, CmcRateLimitedError, TokenInfoNotConfiguredError, TokenNotFoundError } from '../../../src/hub/info/errors.js';
import { createTokenInfoService, tickerFromInput, TOKEN_INFO_TTL_MS, type TokenInfoService } from '../../../src/hub/info/token-info.js';
import type { SecretSource } from '../../../src/hub/secrets/secret-resolver.js';
import { CMC_TEST_KEY, DEFAULT_CMC_LISTINGS, startCmcServer, type CmcServer } from '../../support/cmc-server.js';
import { createTestOrm } from '../../support/db.js';

const QUOTES = '/v2/cryptocurrency/quotes/latest';
const INFO = '/v2/cryptocurrency/info';
const OWNER = '00000000-0000-4000-8000-000000000001';

let orm: Orm;
let closeDb: () => Promise<void>;
let cmc: CmcServer;
let t = Date.UTC(2026, 11, 3, 12, 0, 0);
let key: { value: string; source: SecretSource } | undefined;

const DOGE = {
  ...DEFAULT_CMC_LISTINGS[0]!,
  id: 74,
  name: 'Dogecoin',
  symbol: 'DOGE',
  slug: 'dogecoin',
  cmcRank: 9,
  priceUsd: 0.15,
  maxSupply: null,
};

function service(): TokenInfoService {
  return createTokenInfoService({ orm, keys: { lookup: async () => key }, baseUrl: cmc.url, now: () => t });
}

beforeAll(async () => {
  ({ orm, close: closeDb } = await createTestOrm('info'));
  cmc = await startCmcServer({ listings: [...DEFAULT_CMC_LISTINGS, DOGE], now: () => t });
});
afterAll(async () => {
  await cmc?.close();
  await closeDb?.();
});
beforeEach(() => {
  key = { value: CMC_TEST_KEY, source: 'server' };
});

describe('the ticker in the input (the contract symbol rule)', () => {
  it('keeps a ticker and strips the quote of a pair', () => {
    expect(tickerFromInput('BTC')).toBe('BTC');
    expect(tickerFromInput(' btc ')).toBe('BTC');
    expect(tickerFromInput('BTCUSDT')).toBe('BTC');
    expect(tickerFromInput('ethusdc')).toBe('ETH');
    expect(tickerFromInput('USDT')).toBe('USDT');
    expect(tickerFromInput('USDCUSDT')).toBe('USDC');
  });

  it('refuses what no symbol rule reads, saying what to type', () => {
    for (const bad of ['', 'BTC/USDT', 'B', 'A-VERY-LONG-NAME-TOKEN', 'bit coin']) {
      expect(() => tickerFromInput(bad)).toThrow(ValidationError);
    }
    expect(() => tickerFromInput('BTC/USDT')).toThrow('Send a ticker like /info BTC, or a pair like /info BTCUSDT.');
  });
});

describe('CoinMarketCap lookups, cached a day in PostgreSQL', () => {
  it('finds a token: quotes by symbol, then metadata by id, with the key in the header', async () => {
    const answer = await service().lookup(OWNER, 'btc');
    expect(answer).toMatchObject({ cached: false, stale: false, fetchedAt: t });
    // The figures pass through as the stand-in listed them; the rest is derived.
    const { id, slug, isActive, cmcRank, urls, ...figures } = DEFAULT_CMC_LISTINGS[0]!;
    expect([id, slug, isActive, cmcRank, urls?.twitter]).toEqual([1, 'bitcoin', true, 1, []]);
    expect(answer.info).toEqual({
      ...figures,
      cmcId: 1,
      rank: 1,
      links: {
        website: 'https://bitcoin.org/',
        explorer: 'https://blockchain.info/',
        sourceCode: 'https://github.com/bitcoin/bitcoin',
        twitter: null,
      },
      otherListings: 0,
      quotedAt: new Date(t).toISOString(),
    });
    expect(answer.info).toMatchObject({ name: 'Bitcoin', symbol: 'BTC', priceUsd: 65_432.1, maxSupply: 21_000_000, category: 'coin' });
    expect(cmc.calls.map((c) => [c.path, c.query.symbol ?? c.query.id, c.errorCode])).toEqual([
      [QUOTES, 'BTC', 0],
      [INFO, '1', 0],
    ]);
    const rows: Array<{ symbol: string; cmc_id: number }> = await orm.em.getConnection().execute('select symbol, cmc_id from token_info');
    expect(rows).toEqual([{ symbol: 'BTC', cmc_id: 1 }]);
  });

  it('serves the cache within the day (the pair spelling too) and refreshes after it', async () => {
    const before = cmc.callCount();
    const fetchedAt = t;
    t += TOKEN_INFO_TTL_MS - 60_000;
    const hit = await service().lookup(OWNER, 'BTCUSDT');
    expect(hit).toMatchObject({ cached: true, stale: false, fetchedAt });
    expect(hit.info.name).toBe('Bitcoin');
    expect(cmc.callCount()).toBe(before);

    t += 2 * 60_000;
    const fresh = await service().lookup(OWNER, 'BTC');
    expect(fresh).toMatchObject({ cached: false, stale: false, fetchedAt: t });
    expect(cmc.callCount(QUOTES)).toBe(2);
    expect(cmc.callCount(INFO)).toBe(2);
    const rows: Array<{ fetched_at: Date }> = await orm.em
      .getConnection()
      .execute(`select fetched_at from token_info where symbol = 'BTC'`);
    expect(new Date(rows[0]!.fetched_at).getTime()).toBe(t);
  });

  it('a ticker several tokens share resolves to the active one with the lowest rank', async () => {
    const { info } = await service().lookup(OWNER, 'ETH');
    expect(info).toMatchObject({ cmcId: 1027, name: 'Ethereum', rank: 2, otherListings: 2, maxSupply: null });
    expect(info.links).toEqual({
      website: 'https://www.ethereum.org/',
      explorer: 'https://etherscan.io/',
      sourceCode: 'https://github.com/ethereum/go-ethereum',
      twitter: 'https://twitter.com/ethereum',
    });
    expect(cmc.calls.at(-1)).toMatchObject({ path: INFO, query: { id: '1027' } });
  });

  it('an unlisted ticker is not found (and nothing is cached)', async () => {
    const before = cmc.callCount(INFO);
    await expect(service().lookup(OWNER, 'NOPE')).rejects.toThrow(TokenNotFoundError);
    await expect(service().lookup(OWNER, 'NOPE')).rejects.toMatchObject({
      userMessage: 'CoinMarketCap lists no active token with the ticker NOPE. Check the spelling.',
    });
    expect(cmc.callCount(INFO)).toBe(before);
    const rows: unknown[] = await orm.em.getConnection().execute(`select 1 from token_info where symbol = 'NOPE'`);
    expect(rows).toHaveLength(0);
  });

  it('reads the 400 "Invalid value for symbol" answer (no skip_invalid) as not listed', async () => {
    const dropSkip: typeof fetch = (input, init) => fetch(String(input as string).replace('&skip_invalid=true', ''), init);
    const client = createCmcClient({ apiKey: CMC_TEST_KEY, baseUrl: cmc.url, fetch: dropSkip });
    expect(await client.quotesBySymbol('NOPE')).toEqual([]);
    expect(cmc.calls.at(-1)).toMatchObject({ errorCode: 400 });
  });

  it('concurrent lookups of one ticker share one upstream call', async () => {
    const before = cmc.callCount(QUOTES);
    const svc = service();
    const [a, b] = await Promise.all([svc.lookup(OWNER, 'DOGE'), svc.lookup(OWNER, 'dogeusdt')]);
    expect(a.info.name).toBe('Dogecoin');
    expect(b.info.cmcId).toBe(74);
    expect(cmc.callCount(QUOTES)).toBe(before + 1);
  });
});

describe('keys and limits', () => {
  it('without any key /info is not configured, and CoinMarketCap is not called', async () => {
    key = undefined;
    const before = cmc.callCount();
    const error = await service()
      .lookup(OWNER, 'SOL')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenInfoNotConfiguredError);
    expect((error as TokenInfoNotConfiguredError).userMessage).toContain('the operator sets CMC_API_KEY');
    expect(cmc.callCount()).toBe(before);
  });

  it('a refused key says whose it is, and never shows it', async () => {
    const wrong = 'wrong-cmc-key-abcdefghijklmnop';
    key = { value: wrong, source: 'user' };
    const mine = (await service()
      .lookup(OWNER, 'SOL')
      .catch((e: unknown) => e)) as CmcKeyRefusedError;
    expect(mine).toBeInstanceOf(CmcKeyRefusedError);
    expect(mine.code).toBe(1001);
    expect(mine.userMessage).toBe(
      "CoinMarketCap refused your CoinMarketCap key (the key is invalid, code 1001). Replace it with /secrets, or delete it there to use the server's.",
    );
    key = { value: wrong, source: 'server' };
    const servers = (await service()
      .lookup(OWNER, 'SOL')
      .catch((e: unknown) => e)) as CmcKeyRefusedError;
    expect(servers.userMessage).toContain(
      "refused the server's key (the key is invalid, code 1001). The operator should check CMC_API_KEY.",
    );
    for (const e of [mine, servers]) expect(`${e.message} ${e.userMessage} ${String(e.stack)}`).not.toContain(wrong);
  });

  it('rate limits are typed by scope and said plainly', async () => {
    cmc.failNext(1008);
    const minute = (await service()
      .lookup(OWNER, 'SOL')
      .catch((e: unknown) => e)) as CmcRateLimitedError;
    expect(minute).toBeInstanceOf(CmcRateLimitedError);
    expect(minute).toMatchObject({ code: 1008, scope: 'minute', userMessage: 'CoinMarketCap is rate-limiting us. Try again in a minute.' });
    cmc.failNext(1009);
    await expect(service().lookup(OWNER, 'SOL')).rejects.toMatchObject({ code: 1009, scope: 'daily' });
    cmc.failNext(1006);
    await expect(service().lookup(OWNER, 'SOL')).rejects.toMatchObject({ name: 'CmcKeyRefusedError', code: 1006 });
  });

  it('when the refresh after a day is rate-limited, the last answer is served, marked stale', async () => {
    t += TOKEN_INFO_TTL_MS + 1;
    cmc.failNext(1008);
    const answer = await service().lookup(OWNER, 'ETH');
    expect(answer).toMatchObject({ cached: true, stale: true });
    expect(answer.info.name).toBe('Ethereum');
  });
});
