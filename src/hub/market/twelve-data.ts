/**
 * Twelve Data REST client (`GET /time_series`, `GET /price`) as a `MarketDataProvider`.
 *
 * - The key travels in the `Authorization: apikey <key>` header (Twelve Data's recommended form),
 *   never in the URL, and is redacted from every error message.
 * - Requests ask for `order=asc&timezone=UTC`; the parser still sorts and de-duplicates, and reads
 *   `datetime` (`YYYY-MM-DD[ HH:MM:SS]`, no offset) as UTC, giving oldest-first candles in UTC ms.
 * - Error bodies `{code, message, status:"error"}` are checked whatever the HTTP status (Twelve Data
 *   has answered 429 bodies with HTTP 200). 429 is classified by its message: "for the current
 *   minute" → `RateLimitedError('minute')`, "for the day" → `RateLimitedError('daily')`.
 *
 * - History (`candlesBetween`) uses `start_date`/`end_date`; a window without bars answers
 *   `{code:400, message:"No data is available on the specified dates…"}`, read as no bars.
 *
 * This client does NOT rate-limit; route every call through `candle-limiter.ts`.
 */
import { INTERVAL_MS, type Candle, type Interval } from '../../shared/market.js';
import { ProviderAuthError, ProviderRequestError, RateLimitedError, redact } from './errors.js';
import type { FetchFn, MarketDataProvider } from './provider.js';
import { SUPPORTED_SYMBOL_IDS, toTwelveDataSymbol, type MarketSymbol } from './symbols.js';

export const TWELVE_DATA_DEFAULT_BASE_URL = 'https://api.twelvedata.com';

/** Artic interval → Twelve Data `interval` parameter. */
export const TWELVE_DATA_INTERVALS: Record<Interval, string> = {
  '1m': '1min',
  '5m': '5min',
  '15m': '15min',
  '30m': '30min',
  '1h': '1h',
  '4h': '4h',
  '1d': '1day',
};

/** Twelve Data serves at most 5000 points per request. */
export const TWELVE_DATA_MAX_OUTPUTSIZE = 5000;

export interface TwelveDataOptions {
  apiKey: string;
  /** Default `TWELVE_DATA_DEFAULT_BASE_URL`; set `TWELVE_DATA_BASE_URL` in config to override. */
  baseUrl?: string;
  fetch?: FetchFn;
  /** Per-request timeout in ms (default 15 000). */
  timeoutMs?: number;
}

interface TdErrorBody {
  status: 'error';
  code?: number;
  message?: string;
}

interface TdValue {
  datetime: string;
  open: string | null;
  high: string | null;
  low: string | null;
  close: string | null;
  volume?: string | null;
}

/** Read `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS` as UTC ms; NaN when malformed. */
export function parseTwelveDataDatetime(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
}

/** UTC ms as a Twelve Data `start_date`/`end_date` (`YYYY-MM-DD HH:MM:SS`, read in `timezone=UTC`). */
export function twelveDataDatetime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * `/time_series` parameters for the bars opening in `fromMs..toMs` (undefined when there are none).
 * Whether `end_date` is inclusive is not documented: the window ends one bar later, so the bar
 * opening at `toMs` is in it either way, and asks for that one bar more.
 */
function historyWindow(interval: Interval, fromMs: number, toMs: number): Record<string, string> | undefined {
  const step = INTERVAL_MS[interval];
  const bars = Math.floor((toMs - fromMs) / step) + 1;
  if (bars <= 0) return undefined;
  return {
    start_date: twelveDataDatetime(fromMs),
    end_date: twelveDataDatetime(toMs + step),
    outputsize: String(Math.min(bars + 1, TWELVE_DATA_MAX_OUTPUTSIZE)),
  };
}

/** Twelve Data's answer to a window without bars: code 400, "No data is available on the specified dates…". */
function isNoDataError(error: unknown): boolean {
  return error instanceof ProviderRequestError && error.code === 400 && /no data is available/i.test(error.message);
}

/** `values` rows → candles oldest-first, one per open time; rows with null or garbage prices are skipped. */
function parseTimeSeriesValues(values: TdValue[]): Candle[] {
  const byTime = new Map<number, Candle>();
  for (const v of values) {
    const openTime = parseTwelveDataDatetime(String(v.datetime ?? ''));
    const candle: Candle = {
      openTime,
      open: Number(v.open),
      high: Number(v.high),
      low: Number(v.low),
      close: Number(v.close),
      volume: v.volume == null ? 0 : Number(v.volume),
    };
    // "Some fields may contain null values".
    if (v.open == null || v.high == null || v.low == null || v.close == null) continue;
    if (![openTime, candle.open, candle.high, candle.low, candle.close].every(Number.isFinite)) continue;
    if (!Number.isFinite(candle.volume)) candle.volume = 0;
    byTime.set(openTime, candle);
  }
  return [...byTime.values()].sort((a, b) => a.openTime - b.openTime);
}

/** Classify a Twelve Data error (body code or HTTP status) into a typed error. */
export function twelveDataError(code: number, rawMessage: string, apiKey: string): Error {
  const message = redact(rawMessage || `Twelve Data error ${code}`, apiKey);
  if (code === 429) {
    const daily = /for the day|daily/i.test(message);
    return new RateLimitedError('twelvedata', daily ? 'daily' : 'minute', `Twelve Data: ${message}`);
  }
  if (code === 401 || code === 403) return new ProviderAuthError('twelvedata', code, `Twelve Data: ${message}`);
  return new ProviderRequestError('twelvedata', code, `Twelve Data: ${message}`);
}

export interface TwelveDataProvider extends MarketDataProvider {
  readonly name: 'twelvedata';
}

export function createTwelveDataProvider(options: TwelveDataOptions): TwelveDataProvider {
  const baseUrl = (options.baseUrl ?? TWELVE_DATA_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const { apiKey } = options;

  /** GET `path` with `params`; returns the parsed success body or throws a typed error. */
  async function get(path: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    const url = `${baseUrl}${path}?${new URLSearchParams(params).toString()}`;
    let res: Response;
    try {
      res = await doFetch(url, {
        headers: { Authorization: `apikey ${apiKey}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ProviderRequestError('twelvedata', 0, `Twelve Data ${path} unreachable: ${redact(reason, apiKey)}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      if (!res.ok) throw twelveDataError(res.status, `HTTP ${res.status}`, apiKey);
      throw new ProviderRequestError('twelvedata', res.status, `Twelve Data ${path}: response is not JSON`);
    }
    const obj = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (obj.status === 'error' || !res.ok) {
      const err = obj as Partial<TdErrorBody>;
      const code = typeof err.code === 'number' ? err.code : res.status;
      throw twelveDataError(code, typeof err.message === 'string' ? err.message : '', apiKey);
    }
    return obj;
  }

  /** `GET /time_series` (UTC, oldest-first) with `params`: candles oldest-first, one per open time. */
  async function timeSeries(symbol: MarketSymbol, interval: Interval, params: Record<string, string>): Promise<Candle[]> {
    const body = await get('/time_series', {
      symbol: toTwelveDataSymbol(symbol),
      interval: TWELVE_DATA_INTERVALS[interval],
      ...params,
      order: 'asc',
      timezone: 'UTC',
    });
    if (!Array.isArray(body.values)) {
      throw new ProviderRequestError('twelvedata', 0, 'Twelve Data /time_series: body has no values array');
    }
    return parseTimeSeriesValues(body.values as TdValue[]);
  }

  return {
    name: 'twelvedata',
    simulated: false,

    supports(symbol) {
      return SUPPORTED_SYMBOL_IDS.twelvedata.has(symbol.id);
    },

    async candles(symbol: MarketSymbol, interval: Interval, limit: number): Promise<Candle[]> {
      const outputsize = Math.min(Math.max(Math.floor(limit), 1), TWELVE_DATA_MAX_OUTPUTSIZE);
      return (await timeSeries(symbol, interval, { outputsize: String(outputsize) })).slice(-outputsize);
    },

    // One bar less than a request returns: a window holds one bar of slack (`historyWindow`).
    pageBars: TWELVE_DATA_MAX_OUTPUTSIZE - 1,

    async candlesBetween(symbol: MarketSymbol, interval: Interval, fromMs: number, toMs: number): Promise<Candle[]> {
      const window = historyWindow(interval, fromMs, toMs);
      if (!window) return [];
      try {
        return (await timeSeries(symbol, interval, window)).filter((c) => c.openTime >= fromMs && c.openTime <= toMs);
      } catch (error) {
        if (isNoDataError(error)) return [];
        throw error;
      }
    },

    async price(symbol: MarketSymbol): Promise<number> {
      const body = await get('/price', { symbol: toTwelveDataSymbol(symbol) });
      const price = Number(body.price);
      if (!Number.isFinite(price) || price <= 0) {
        throw new ProviderRequestError('twelvedata', 0, 'Twelve Data /price: no usable price in body');
      }
      return price;
    },
  };
}
