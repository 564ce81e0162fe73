/**
 * `/info <symbol>`: a token's CoinMarketCap metadata (name, rank, price, market cap, supplies,
 * 24 h change, links), cached in PostgreSQL for a day per ticker so a busy chat costs one call
 * pair (quotes + info) per ticker and day against CoinMarketCap's small free allowance.
 *
 * - The key is the caller's own CoinMarketCap key from the vault, else the server's CMC_API_KEY
 *   (vault resolution); without either, `TokenInfoNotConfiguredError`.
 * - A ticker several tokens share (`ETH`) resolves to the active entry with the lowest
 *   `cmc_rank`; the answer says how many others use the ticker.
 * - An answer is served from the cache within `ttlMs` (a day) of the fetch, refreshed after. When
 *   the refresh fails for a rate limit or an outage, the old answer is served, marked stale.
 * - Concurrent lookups of one ticker with one key share one upstream call.
 */
import type { Orm } from '../../db/orm.js';
import { isSymbolId, QUOTE_ASSETS, SYMBOL_INPUT_MAX_CHARS } from '../../shared/wire.js';
import { ValidationError } from '../errors.js';
import type { SecretResolver } from '../secrets/secret-resolver.js';
import { createCmcClient, type CmcMetadata, type CmcQuote } from './cmc-client.js';
import { CmcKeyRefusedError, CmcRateLimitedError, CmcUnavailableError, TokenInfoNotConfiguredError, TokenNotFoundError } from './errors.js';
import { createTokenInfoStore } from './token-info-store.js';

/** How long a cached answer is served without asking CoinMarketCap again, ms. */
export const TOKEN_INFO_TTL_MS = 24 * 60 * 60_000;

/** What `/info` shows. Money in USD, supplies in token units, the 24 h change in percent. */
export interface TokenInfo {
  cmcId: number;
  name: string;
  symbol: string;
  rank: number | null;
  priceUsd: number | null;
  marketCapUsd: number | null;
  volume24hUsd: number | null;
  percentChange24h: number | null;
  circulatingSupply: number | null;
  totalSupply: number | null;
  /** null: no cap (or CoinMarketCap does not know one). */
  maxSupply: number | null;
  category: string | null;
  /** The first http(s) link of each kind, or null. */
  links: { website: string | null; explorer: string | null; sourceCode: string | null; twitter: string | null };
  /** Other CoinMarketCap entries under the same ticker (0: the ticker is unambiguous). */
  otherListings: number;
  /** When CoinMarketCap last updated the quote (ISO), if it said. */
  quotedAt: string | null;
}

export interface TokenInfoAnswer {
  info: TokenInfo;
  /** When CoinMarketCap answered, epoch ms. */
  fetchedAt: number;
  /** Served from the PostgreSQL cache, without a CoinMarketCap call. */
  cached: boolean;
  /** Older than a day: the refresh failed (rate limit, outage), so the last answer is served. */
  stale: boolean;
}

export interface TokenInfoService {
  /** `input` is a ticker (`BTC`, `btc`) or a pair (`BTCUSDT`). Throws the errors of errors.ts. */
  lookup(ownerId: string, input: string): Promise<TokenInfoAnswer>;
}

export interface TokenInfoDeps {
  orm: Orm;
  /** The vault: the owner's CMC_API_KEY, else the server's. */
  keys: Pick<SecretResolver, 'lookup'>;
  /** CoinMarketCap base URL (`CMC_BASE_URL`). */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Epoch ms; tests pass a fake clock. Default `Date.now`. */
  now?: () => number;
  ttlMs?: number;
}

const CMC_KEY_NAME = 'CMC_API_KEY';

/**
 * The ticker in `input`: a pair that passes the contract's symbol rule (`BTCUSDT`, `ethusdc`)
 * loses its quote; a bare ticker (`BTC`) is kept when it could be the base of such a pair.
 */
export function tickerFromInput(input: string): string {
  const text = input.trim().toUpperCase();
  const usage = 'Send a ticker like /info BTC, or a pair like /info BTCUSDT.';
  if (!text) throw new ValidationError('symbol', `Which token? ${usage}`);
  const quote = isSymbolId(text) ? QUOTE_ASSETS.find((q) => text.endsWith(q)) : undefined;
  if (quote) return text.slice(0, -quote.length);
  if (isSymbolId(`${text}${QUOTE_ASSETS[0]}`)) return text;
  throw new ValidationError('symbol', `"${input.trim().slice(0, SYMBOL_INPUT_MAX_CHARS)}" is not a token ticker. ${usage}`);
}

/** The active listing with the lowest `cmc_rank` (unranked ones last); undefined when none is active. */
export function pickListing(listings: readonly CmcQuote[]): CmcQuote | undefined {
  const rank = (q: CmcQuote) => q.cmcRank ?? Number.MAX_SAFE_INTEGER;
  return listings.filter((q) => q.isActive).sort((a, b) => rank(a) - rank(b))[0];
}

/** The first link that is plain http(s) (anything else never reaches a chat as a link). */
function firstHttpUrl(urls: readonly string[]): string | null {
  for (const candidate of urls) {
    try {
      const url = new URL(candidate);
      if (url.protocol === 'https:' || url.protocol === 'http:') return url.toString();
    } catch {
      // not a URL: try the next one
    }
  }
  return null;
}

function toTokenInfo(quote: CmcQuote, meta: CmcMetadata | undefined, otherListings: number): TokenInfo {
  const urls = meta?.urls ?? { website: [], explorer: [], sourceCode: [], twitter: [] };
  return {
    cmcId: quote.id,
    name: quote.name || meta?.name || quote.symbol,
    symbol: quote.symbol,
    rank: quote.cmcRank,
    priceUsd: quote.priceUsd,
    marketCapUsd: quote.marketCapUsd,
    volume24hUsd: quote.volume24hUsd,
    percentChange24h: quote.percentChange24h,
    circulatingSupply: quote.circulatingSupply,
    totalSupply: quote.totalSupply,
    maxSupply: quote.maxSupply,
    category: meta?.category ?? null,
    links: {
      website: firstHttpUrl(urls.website),
      explorer: firstHttpUrl(urls.explorer),
      sourceCode: firstHttpUrl(urls.sourceCode),
      twitter: firstHttpUrl(urls.twitter),
    },
    otherListings,
    quotedAt: quote.lastUpdated,
  };
}

export function createTokenInfoService(deps: TokenInfoDeps): TokenInfoService {
  const store = createTokenInfoStore<TokenInfo>(deps.orm);
  const now = deps.now ?? Date.now;
  const ttlMs = deps.ttlMs ?? TOKEN_INFO_TTL_MS;
  const inFlight = new Map<string, Promise<{ info: TokenInfo; fetchedAt: number }>>();

  async function fetchAndStore(symbol: string, apiKey: string): Promise<{ info: TokenInfo; fetchedAt: number }> {
    const client = createCmcClient({ apiKey, baseUrl: deps.baseUrl, fetch: deps.fetch });
    const listings = await client.quotesBySymbol(symbol);
    const chosen = pickListing(listings);
    if (!chosen) throw new TokenNotFoundError(symbol);
    const info = toTokenInfo(chosen, await client.metadataById(chosen.id), listings.length - 1);
    const fetchedAt = now();
    await store.save(symbol, chosen.id, info, fetchedAt);
    return { info, fetchedAt };
  }

  /** One upstream call per ticker and key at a time. */
  function fetchShared(symbol: string, key: { value: string; source: string }, ownerId: string) {
    const id = `${key.source === 'server' ? 'server' : ownerId}:${symbol}`;
    let pending = inFlight.get(id);
    if (!pending) {
      pending = fetchAndStore(symbol, key.value).finally(() => inFlight.delete(id));
      inFlight.set(id, pending);
    }
    return pending;
  }

  return {
    async lookup(ownerId, input) {
      const symbol = tickerFromInput(input);
      const key = await deps.keys.lookup(ownerId, CMC_KEY_NAME);
      if (!key) throw new TokenInfoNotConfiguredError();
      const cached = await store.load(symbol);
      if (cached && now() - cached.fetchedAt < ttlMs) return { info: cached.data, fetchedAt: cached.fetchedAt, cached: true, stale: false };
      try {
        return { ...(await fetchShared(symbol, key, ownerId)), cached: false, stale: false };
      } catch (error) {
        if (error instanceof CmcKeyRefusedError) throw new CmcKeyRefusedError(error.code, key.source);
        const passing = error instanceof CmcRateLimitedError || error instanceof CmcUnavailableError;
        if (cached && passing) return { info: cached.data, fetchedAt: cached.fetchedAt, cached: true, stale: true };
        throw error;
      }
    },
  };
}
