/**
 * Keyless market data from HashKey Global's public endpoints, as a `MarketDataProvider`:
 * `GET /quote/v1/klines` (rows `[openTime ms, o, h, l, c, baseVolume, …]`, oldest-first, max 1000;
 * `startTime`/`endTime` in ms select a window of history) and `GET /quote/v1/ticker/price` (array `[{s, p}]` or object `{symbol, price}`; both handled).
 * Errors are non-2xx with `{code, msg}`; code `0003` or HTTP 429 → `RateLimitedError('minute')`;
 * `-100010`/`-100011` (invalid, unsupported symbol) or `0201` (instrument not found) → `UnsupportedSymbolError`.
 *
 * Needs no keys, so it does not use the signed exchange client; it shares that client's interval
 * names, page size and kline row parsing (`src/hub/exchange/hashkey`).
 */
import { INTERVAL_MS, type Candle, type Interval } from '../../shared/market.js';
import { HASHKEY_INTERVALS, MAX_KLINES as HASHKEY_MAX_KLINES } from '../exchange/hashkey/client.js';
import { klineRowToCandle } from '../exchange/hashkey/responses.js';
import { ProviderRequestError, RateLimitedError, UnsupportedSymbolError } from './errors.js';
import type { FetchFn, MarketDataProvider } from './provider.js';
import { SUPPORTED_SYMBOL_IDS, toHashKeySymbol, type MarketSymbol } from './symbols.js';

export const HASHKEY_PUBLIC_DEFAULT_BASE_URL = 'https://api-glb.hashkey.com';

export interface HashKeyPublicOptions {
  baseUrl?: string;
  fetch?: FetchFn;
  /** Per-request timeout in ms (default 10 000). */
  timeoutMs?: number;
}

export interface HashKeyPublicProvider extends MarketDataProvider {
  readonly name: 'hashkey';
}

/** A body's `code` (a JSON value) as text: `'0003'`, `-100011`; an unexpected object or array reads as its JSON. */
function codeText(code: unknown): string {
  return typeof code === 'string' ? code : JSON.stringify(code);
}

/**
 * Klines parameters for the bars opening in `fromMs..toMs` (undefined when there are none).
 * `endTime` is the end of the last bar's period: the window holds the bar opening at `toMs` whether
 * HashKey compares it with open or close times, and never the one after it.
 */
function historyWindow(interval: Interval, fromMs: number, toMs: number): Record<string, string> | undefined {
  const step = INTERVAL_MS[interval];
  const bars = Math.floor((toMs - fromMs) / step) + 1;
  if (bars <= 0) return undefined;
  return { startTime: String(fromMs), endTime: String(toMs + step - 1), limit: String(Math.min(bars, HASHKEY_MAX_KLINES)) };
}

export function createHashKeyPublicProvider(options: HashKeyPublicOptions = {}): HashKeyPublicProvider {
  const baseUrl = (options.baseUrl ?? HASHKEY_PUBLIC_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function get(path: string, params: Record<string, string>, symbol: MarketSymbol): Promise<unknown> {
    let res: Response;
    try {
      res = await doFetch(`${baseUrl}${path}?${new URLSearchParams(params).toString()}`, {
        headers: { Accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ProviderRequestError('hashkey', 0, `HashKey ${path} unreachable: ${reason}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const err = body && typeof body === 'object' && !Array.isArray(body) ? (body as { code?: unknown; msg?: unknown }) : {};
    const errCode = err.code === undefined ? undefined : codeText(err.code);
    if (!res.ok || (err.msg !== undefined && errCode !== undefined && errCode !== '0' && errCode !== '0000')) {
      const code = errCode ?? String(res.status);
      const msg = typeof err.msg === 'string' ? err.msg : `HTTP ${res.status}`;
      if (res.status === 429 || code === '0003') throw new RateLimitedError('hashkey', 'minute', `HashKey: ${msg}`);
      if (code === '-100010' || code === '-100011' || code === '0201') throw new UnsupportedSymbolError(symbol.id, 'hashkey');
      throw new ProviderRequestError('hashkey', code, `HashKey ${path}: ${msg}`);
    }
    if (body === undefined) throw new ProviderRequestError('hashkey', res.status, `HashKey ${path}: response is not JSON`);
    return body;
  }

  /** `GET /quote/v1/klines` with `params`: candles oldest-first, one per open time, unreadable rows skipped. */
  async function klines(symbol: MarketSymbol, interval: Interval, params: Record<string, string>): Promise<Candle[]> {
    const body = await get(
      '/quote/v1/klines',
      { symbol: toHashKeySymbol(symbol), interval: HASHKEY_INTERVALS[interval], ...params },
      symbol,
    );
    if (!Array.isArray(body)) throw new ProviderRequestError('hashkey', 0, 'HashKey klines: body is not an array');
    const byTime = new Map<number, Candle>();
    for (const row of body as unknown[]) {
      const candle = klineRowToCandle(row);
      if (candle) byTime.set(candle.openTime, candle);
    }
    return [...byTime.values()].sort((a, b) => a.openTime - b.openTime);
  }

  return {
    name: 'hashkey',
    simulated: false,

    supports(symbol) {
      return SUPPORTED_SYMBOL_IDS.hashkey.has(symbol.id);
    },

    async candles(symbol, interval, limit): Promise<Candle[]> {
      const n = Math.min(Math.max(Math.floor(limit), 1), HASHKEY_MAX_KLINES);
      return (await klines(symbol, interval, { limit: String(n) })).slice(-n);
    },

    pageBars: HASHKEY_MAX_KLINES,

    async candlesBetween(symbol, interval, fromMs, toMs): Promise<Candle[]> {
      const window = historyWindow(interval, fromMs, toMs);
      if (!window) return [];
      return (await klines(symbol, interval, window)).filter((c) => c.openTime >= fromMs && c.openTime <= toMs);
    },

    async price(symbol): Promise<number> {
      const id = toHashKeySymbol(symbol);
      const body = await get('/quote/v1/ticker/price', { symbol: id }, symbol);
      const entries = (Array.isArray(body) ? body : [body]) as Array<Record<string, unknown>>;
      const entry = entries.find((e) => e && (e.s ?? e.symbol) === id) ?? (entries.length === 1 ? entries[0] : undefined);
      const price = Number(entry?.p ?? entry?.price);
      if (!Number.isFinite(price) || price <= 0) {
        throw new ProviderRequestError('hashkey', 0, `HashKey ticker/price: no price for ${id}`);
      }
      return price;
    },
  };
}
