/**
 * CoinMarketCap Pro API client for `/info` (v2 endpoints; v1 is deprecated):
 * - `GET /v2/cryptocurrency/quotes/latest?symbol=` answers an ARRAY per symbol, because tickers
 *   are not unique (`data.ETH = [{id:1027,…}, {id:29991,…}]`); `quotesBySymbol` returns them all.
 * - `GET /v2/cryptocurrency/info?id=` answers `data[<id>]` with names and links.
 * The key travels in the `X-CMC_PRO_API_KEY` header, never in the URL. Every answer carries
 * `status.error_code`, checked whatever the HTTP status, and mapped to a typed error (errors.ts);
 * CoinMarketCap's text is scrubbed of the key before anything keeps it. Numbers are JSON numbers.
 */
import { redact } from '../market/errors.js';
import { CmcKeyRefusedError, CmcRateLimitedError, CmcUnavailableError, type CmcLimitScope } from './errors.js';

export const CMC_DEFAULT_BASE_URL = 'https://pro-api.coinmarketcap.com';

export interface CmcClientOptions {
  apiKey: string;
  /** Default `CMC_DEFAULT_BASE_URL` (config `CMC_BASE_URL`). */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Per-request timeout, ms (default 10 000). */
  timeoutMs?: number;
}

/** One entry of `quotes/latest` (USD quote). Amounts in USD; supplies in token units. */
export interface CmcQuote {
  id: number;
  name: string;
  symbol: string;
  slug: string;
  /** null for entries CoinMarketCap does not rank (inactive, untracked). */
  cmcRank: number | null;
  isActive: boolean;
  circulatingSupply: number | null;
  totalSupply: number | null;
  /** null: no cap (or unknown). */
  maxSupply: number | null;
  priceUsd: number | null;
  marketCapUsd: number | null;
  volume24hUsd: number | null;
  /** Percent (2.5 = 2.5 %). */
  percentChange24h: number | null;
  /** ISO time of the quote. */
  lastUpdated: string | null;
}

/** The parts of `info` that `/info` shows. Link lists keep CoinMarketCap's order. */
export interface CmcMetadata {
  id: number;
  name: string;
  symbol: string;
  category: string | null;
  urls: { website: string[]; explorer: string[]; sourceCode: string[]; twitter: string[] };
}

export interface CmcClient {
  /** Every entry CoinMarketCap lists under `symbol` (upper case); [] when none. */
  quotesBySymbol(symbol: string): Promise<CmcQuote[]>;
  /** The metadata of one CoinMarketCap id, or undefined when it has none. */
  metadataById(id: number): Promise<CmcMetadata | undefined>;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s !== '') : []);

const LIMIT_SCOPES: Record<number, CmcLimitScope> = { 1008: 'minute', 1009: 'daily', 1010: 'monthly', 1011: 'ip' };

/**
 * The typed error for a refused request; undefined when the body says "no such symbol" (a 400
 * naming `symbol`), which the caller reads as "not listed".
 */
function errorFor(httpStatus: number, code: number, message: string): Error | undefined {
  if (code >= 1001 && code <= 1007) return new CmcKeyRefusedError(code);
  const scope = LIMIT_SCOPES[code];
  if (scope) return new CmcRateLimitedError(code, scope);
  if (httpStatus === 429) return new CmcRateLimitedError(code, 'minute');
  if (httpStatus === 401 || httpStatus === 402 || httpStatus === 403) return new CmcKeyRefusedError(code || 1001);
  if ((httpStatus === 400 || code === 400) && /symbol/i.test(message)) return undefined;
  return new CmcUnavailableError(`HTTP ${httpStatus}, code ${code}: ${message}`);
}

function parseQuote(raw: unknown): CmcQuote | undefined {
  if (!isObject(raw) || typeof raw.id !== 'number') return undefined;
  const usd = isObject(raw.quote) && isObject(raw.quote.USD) ? raw.quote.USD : {};
  return {
    id: raw.id,
    name: text(raw.name),
    symbol: text(raw.symbol),
    slug: text(raw.slug),
    cmcRank: numOrNull(raw.cmc_rank),
    isActive: raw.is_active === 1 || raw.is_active === true,
    circulatingSupply: numOrNull(raw.circulating_supply),
    totalSupply: numOrNull(raw.total_supply),
    maxSupply: numOrNull(raw.max_supply),
    priceUsd: numOrNull(usd.price),
    marketCapUsd: numOrNull(usd.market_cap),
    volume24hUsd: numOrNull(usd.volume_24h),
    percentChange24h: numOrNull(usd.percent_change_24h),
    lastUpdated: typeof usd.last_updated === 'string' ? usd.last_updated : typeof raw.last_updated === 'string' ? raw.last_updated : null,
  };
}

function parseMetadata(raw: unknown): CmcMetadata | undefined {
  if (!isObject(raw) || typeof raw.id !== 'number') return undefined;
  const urls = isObject(raw.urls) ? raw.urls : {};
  return {
    id: raw.id,
    name: text(raw.name),
    symbol: text(raw.symbol),
    category: typeof raw.category === 'string' && raw.category ? raw.category : null,
    urls: {
      website: strings(urls.website),
      explorer: strings(urls.explorer),
      sourceCode: strings(urls.source_code),
      twitter: strings(urls.twitter),
    },
  };
}

export function createCmcClient(options: CmcClientOptions): CmcClient {
  const baseUrl = (options.baseUrl ?? CMC_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const scrub = (s: string) => redact(s, options.apiKey);

  /** The `data` of a successful answer; undefined for "no such symbol". Throws the typed errors. */
  async function get(path: string, params: Record<string, string>): Promise<unknown> {
    const url = `${baseUrl}${path}?${new URLSearchParams(params).toString()}`;
    let res: Response;
    try {
      res = await fetchImpl(url, {
        headers: { 'X-CMC_PRO_API_KEY': options.apiKey, Accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new CmcUnavailableError(`GET ${path}: ${scrub(String((error as Error)?.message ?? error))}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new CmcUnavailableError(`GET ${path}: unreadable body (HTTP ${res.status})`);
    }
    const status = isObject(body) && isObject(body.status) ? body.status : {};
    const code = typeof status.error_code === 'number' ? status.error_code : Number(status.error_code ?? 0) || 0;
    if (res.ok && code === 0) return isObject(body) ? body.data : undefined;
    const error = errorFor(res.status, code, scrub(text(status.error_message)));
    if (error) throw error;
    return undefined;
  }

  return {
    async quotesBySymbol(symbol) {
      const data = await get('/v2/cryptocurrency/quotes/latest', { symbol, convert: 'USD', skip_invalid: 'true' });
      if (!isObject(data)) return [];
      const entries = data[symbol] ?? Object.entries(data).find(([key]) => key.toUpperCase() === symbol)?.[1];
      // v2 answers an array per symbol; a lone object (v1's shape) is read as a list of one.
      const list: unknown[] = Array.isArray(entries) ? entries : entries === undefined ? [] : [entries];
      return list.map(parseQuote).filter((q): q is CmcQuote => q !== undefined);
    },

    async metadataById(id) {
      const data = await get('/v2/cryptocurrency/info', { id: String(id) });
      return isObject(data) ? parseMetadata(data[String(id)]) : undefined;
    },
  };
}
