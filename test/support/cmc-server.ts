/**
 * A local stand-in for the CoinMarketCap Pro API (v2), for tests. node:http on 127.0.0.1, port 0.
 * It speaks the documented wire format (see /work/shared/reference/market-data.md §2):
 *
 * - The key must come in the `X-CMC_PRO_API_KEY` header: none → HTTP 401 with `error_code` 1002,
 *   another → HTTP 401 with 1001 ("This API Key is invalid.").
 * - `GET /v2/cryptocurrency/quotes/latest?symbol=A,B` → `data.A = [entries]`: an ARRAY per
 *   symbol, since tickers are not unique. An unlisted symbol is left out when `skip_invalid=true`,
 *   else HTTP 400 `Invalid value for "symbol": "XYZ"` (error_code 400).
 * - `GET /v2/cryptocurrency/info?id=1,1027` → `data["1"] = {id, name, symbol, category, urls, …}`.
 * - Every answer has the `status` envelope (`error_code` 0 on success, `credit_count`).
 * - `failNext(code)` answers the next request with that error code and its documented HTTP status
 *   (1008/1009/1010/1011 → 429, 1001/1002/1005/1007 → 401, 1003/1004 → 402, 1006 → 403).
 * - Every request is recorded (`calls`, `callCount(path)`); the key is never recorded.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CmcQuote } from '../../src/hub/info/cmc-client.js';

export const CMC_TEST_KEY = 'cmc-test-key-0123456789abcdef';

/**
 * One listing: what quotes/latest and info answer for it, in the client's own words (so a test
 * compares like with like); the server turns it into CoinMarketCap's wire shape. Amounts in USD.
 */
export type CmcListing = Omit<CmcQuote, 'lastUpdated'> & {
  category?: string;
  urls?: Partial<Record<'website' | 'explorer' | 'source_code' | 'twitter' | 'technical_doc', string[]>>;
};

/** Bitcoin, Ethereum, and two lesser tokens that also use the ticker ETH (one inactive). */
export const DEFAULT_CMC_LISTINGS: readonly CmcListing[] = [
  {
    id: 1,
    name: 'Bitcoin',
    symbol: 'BTC',
    slug: 'bitcoin',
    cmcRank: 1,
    isActive: true,
    priceUsd: 65_432.1,
    marketCapUsd: 1_290_000_000_000,
    volume24hUsd: 31_000_000_000,
    percentChange24h: -1.25,
    circulatingSupply: 19_700_000,
    totalSupply: 19_700_000,
    maxSupply: 21_000_000,
    category: 'coin',
    urls: {
      website: ['https://bitcoin.org/'],
      explorer: ['https://blockchain.info/', 'https://live.blockcypher.com/btc/'],
      source_code: ['https://github.com/bitcoin/bitcoin'],
      twitter: [],
    },
  },
  {
    id: 29991,
    name: 'The Infinite Garden',
    symbol: 'ETH',
    slug: 'the-infinite-garden',
    cmcRank: 4120,
    isActive: true,
    priceUsd: 0.0012,
    marketCapUsd: 12_000,
    volume24hUsd: 300,
    percentChange24h: 12,
    circulatingSupply: 10_000_000,
    totalSupply: 10_000_000,
    maxSupply: null,
    category: 'token',
    urls: { website: ['javascript:alert(1)'] },
  },
  {
    id: 1027,
    name: 'Ethereum',
    symbol: 'ETH',
    slug: 'ethereum',
    cmcRank: 2,
    isActive: true,
    priceUsd: 3_210.5,
    marketCapUsd: 386_000_000_000,
    volume24hUsd: 15_000_000_000,
    percentChange24h: 2.5,
    circulatingSupply: 120_200_000,
    totalSupply: 120_200_000,
    maxSupply: null,
    category: 'coin',
    urls: {
      website: ['https://www.ethereum.org/'],
      explorer: ['https://etherscan.io/'],
      source_code: ['https://github.com/ethereum/go-ethereum'],
      twitter: ['https://twitter.com/ethereum'],
    },
  },
  {
    id: 646,
    name: 'Ethercoin',
    symbol: 'ETH',
    slug: 'ethercoin',
    cmcRank: null,
    isActive: false,
    priceUsd: 0.01,
    marketCapUsd: 0,
    volume24hUsd: 0,
    percentChange24h: 0,
    circulatingSupply: 1_000_000,
    totalSupply: 1_000_000,
    maxSupply: null,
  },
];

export interface CmcServerOptions {
  /** Accepted key (default `CMC_TEST_KEY`). */
  apiKey?: string;
  listings?: readonly CmcListing[];
  /** Clock for `status.timestamp` and `last_updated` (default `Date.now`). */
  now?: () => number;
}

export interface CmcCall {
  path: string;
  query: Record<string, string>;
  /** The `status.error_code` answered (0: success). */
  errorCode: number;
}

export interface CmcServer {
  url: string;
  apiKey: string;
  calls: CmcCall[];
  /** Requests to `path` (e.g. `/v2/cryptocurrency/quotes/latest`), or all of them. */
  callCount(path?: string): number;
  /** Answer the next request with CoinMarketCap error `code` (and its HTTP status). */
  failNext(code: number): void;
  close(): Promise<void>;
}

const ERROR_MESSAGES: Record<number, [httpStatus: number, message: string]> = {
  1001: [401, 'This API Key is invalid.'],
  1002: [401, 'API key missing.'],
  1003: [402, 'Your API Key must be activated. Please go to pro.coinmarketcap.com/account/plan.'],
  1004: [402, "Your API Key's subscription plan has expired."],
  1005: [401, 'An API Key is required for this call.'],
  1006: [403, "Your API Key subscription plan doesn't support this endpoint."],
  1007: [401, 'This API Key has been disabled. Please contact support.'],
  1008: [429, "You've exceeded your API Key's HTTP request rate limit. Rate limits reset every minute."],
  1009: [429, "You've exceeded your API Key's daily rate limit."],
  1010: [429, "You've exceeded your API Key's monthly rate limit."],
  1011: [429, "You've hit an IP rate limit."],
};

export async function startCmcServer(options: CmcServerOptions = {}): Promise<CmcServer> {
  const apiKey = options.apiKey ?? CMC_TEST_KEY;
  const listings = options.listings ?? DEFAULT_CMC_LISTINGS;
  const now = options.now ?? (() => Date.now());
  const calls: CmcCall[] = [];
  const forced: number[] = [];

  function reply(res: ServerResponse, call: CmcCall, httpStatus: number, errorCode: number, message: string | null, data?: unknown) {
    call.errorCode = errorCode;
    const status = {
      timestamp: new Date(now()).toISOString(),
      error_code: errorCode,
      error_message: message,
      elapsed: 3,
      credit_count: errorCode === 0 ? 1 : 0,
      notice: null,
    };
    const body = JSON.stringify(data === undefined ? { status } : { status, data });
    res.writeHead(httpStatus, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  function quoteOf(l: CmcListing) {
    const updated = new Date(now()).toISOString();
    return {
      id: l.id,
      name: l.name,
      symbol: l.symbol,
      slug: l.slug,
      num_market_pairs: l.isActive ? 100 : 0,
      date_added: '2015-08-07T00:00:00.000Z',
      tags: [],
      max_supply: l.maxSupply,
      circulating_supply: l.circulatingSupply,
      total_supply: l.totalSupply,
      is_active: l.isActive ? 1 : 0,
      infinite_supply: l.maxSupply === null,
      platform: null,
      cmc_rank: l.cmcRank,
      is_fiat: 0,
      last_updated: updated,
      quote: {
        USD: {
          price: l.priceUsd,
          volume_24h: l.volume24hUsd,
          percent_change_1h: 0.1,
          percent_change_24h: l.percentChange24h,
          percent_change_7d: 1,
          market_cap: l.marketCapUsd,
          fully_diluted_market_cap: l.marketCapUsd,
          last_updated: updated,
        },
      },
    };
  }

  function infoOf(l: CmcListing) {
    const urls = { website: [], technical_doc: [], twitter: [], explorer: [], source_code: [], reddit: [], chat: [], ...l.urls };
    return { id: l.id, name: l.name, symbol: l.symbol, slug: l.slug, category: l.category ?? 'token', description: '', logo: '', urls };
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    const call: CmcCall = { path: url.pathname, query, errorCode: 0 };
    calls.push(call);
    const key = req.headers['x-cmc_pro_api_key'];
    if (!key) return reply(res, call, 401, 1002, ERROR_MESSAGES[1002]![1]);
    if (key !== apiKey) return reply(res, call, 401, 1001, ERROR_MESSAGES[1001]![1]);
    const code = forced.shift();
    if (code !== undefined) {
      const [httpStatus, message] = ERROR_MESSAGES[code] ?? [500, 'Internal error'];
      return reply(res, call, httpStatus, code, message);
    }

    if (url.pathname === '/v2/cryptocurrency/quotes/latest') {
      const data: Record<string, unknown[]> = {};
      for (const symbol of (query.symbol ?? '').split(',').filter(Boolean)) {
        const found = listings.filter((l) => l.symbol === symbol.toUpperCase());
        if (found.length) data[symbol.toUpperCase()] = found.map(quoteOf);
        else if (query.skip_invalid !== 'true') return reply(res, call, 400, 400, `Invalid value for "symbol": "${symbol}"`);
      }
      return reply(res, call, 200, 0, null, data);
    }
    if (url.pathname === '/v2/cryptocurrency/info') {
      const data: Record<string, unknown> = {};
      for (const id of (query.id ?? '').split(',').filter(Boolean)) {
        const found = listings.find((l) => String(l.id) === id);
        if (found) data[id] = infoOf(found);
        else if (query.skip_invalid !== 'true') return reply(res, call, 400, 400, `Invalid value for "id": "${id}"`);
      }
      return reply(res, call, 200, 0, null, data);
    }
    reply(res, call, 404, 404, 'Not found');
  }

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    calls,
    callCount: (path) => (path ? calls.filter((c) => c.path === path).length : calls.length),
    failNext: (code) => void forced.push(code),
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
