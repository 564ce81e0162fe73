/**
 * A local HTTP server speaking Twelve Data's wire format, for tests and benches.
 *
 * - `GET /time_series?symbol=BTC/USD&interval=15min&outputsize=N&order=asc|desc&timezone=UTC`
 *   → `{meta, values:[{datetime, open, high, low, close, volume}], status:"ok"}`, values as strings,
 *   newest-first unless `order=asc`, including the bar still forming at `now()`. `start_date` and
 *   `end_date` select a window (the newest `outputsize` bars in it, default 5000 with dates); a
 *   window without bars (e.g. before `historyFrom`, the listing) answers the real 400 "No data is
 *   available on the specified dates" body. Intraday
 *   `datetime` is wall-clock in `timezone` (UTC, or the exchange offset `exchangeOffsetMinutes`
 *   when absent), `YYYY-MM-DD` for 1day.
 * - `GET /price?symbol=BTC/USD` → `{"price":"…"}`.
 * - Auth: `Authorization: apikey <key>` or `?apikey=`; a wrong key gets the 401 body.
 * - Errors use Twelve Data bodies `{code, message, status:"error"}` (400 bad interval, 404 symbol).
 * - Rate limits: `enforce` applies per-wall-clock-minute and per-UTC-day credit limits with the real
 *   429 messages; `failNext(n, scope, httpStatus)` forces 429 bodies (HTTP 200 or 429).
 * - Every request is recorded with its `now()` timestamp.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseTwelveDataDatetime } from '../../src/hub/market/twelve-data.js';

const INTERVALS_MS: Record<string, number> = {
  '1min': 60_000,
  '5min': 300_000,
  '15min': 900_000,
  '30min': 1_800_000,
  '45min': 2_700_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '8h': 28_800_000,
  '1day': 86_400_000,
};

const BASE_PRICES: Record<string, number> = { BTC: 65_000, ETH: 3_200, SOL: 150, BNB: 580, XRP: 0.6, DOGE: 0.15 };

export interface RecordedCall {
  path: string;
  /** Query parameters, with `apikey` replaced by `***` if it was sent in the URL. */
  query: Record<string, string>;
  /** `now()` when the request arrived (ms). */
  at: number;
  /** Whether the API key came in the URL (`apikey=`) rather than the header. */
  keyInUrl: boolean;
  /** Error code answered, if any. */
  errorCode?: number;
}

export interface TwelveDataServerOptions {
  /** Accepted API key (default `test-key`). */
  apiKey?: string;
  /** Clock for bars and timestamps (default `Date.now`; pass a fake clock's `Date.now`). */
  now?: () => number;
  /** Exchange timezone offset applied when `timezone` is not sent (minutes, default 0). */
  exchangeOffsetMinutes?: number;
  /** Credit limits enforced like the free plan; omit to not enforce. */
  enforce?: { perMinute: number; perDay: number };
  /** Omit `volume` from values (as seen in real crypto replies). */
  omitVolume?: boolean;
  /** The listing: no bar opens before this time (epoch ms). Default: bars at any time. */
  historyFrom?: number;
}

export interface TwelveDataServer {
  url: string;
  calls: RecordedCall[];
  /** Calls to `path` (e.g. `/time_series`). */
  callCount(path?: string): number;
  /** Answer the next `n` requests with a 429 body of `scope`, using HTTP `httpStatus`. */
  failNext(n: number, scope: 'minute' | 'daily', httpStatus?: 200 | 429): void;
  /** Forget recorded calls, forced failures and enforced-limit usage. */
  reset(): void;
  close(): Promise<void>;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function formatDatetime(ms: number, daily: boolean): string {
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return daily ? date : `${date} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Deterministic pseudo-price for (symbol, bar index): a smooth wave plus hashed noise. */
function priceAt(symbol: string, index: number): number {
  const base = BASE_PRICES[symbol.split('/')[0] ?? ''] ?? 10;
  let h = 2166136261;
  for (const ch of `${symbol}|${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  const noise = ((h >>> 0) / 4_294_967_296 - 0.5) * 0.004;
  return base * (1 + 0.02 * Math.sin(index / 37) + noise);
}

export async function startTwelveDataServer(options: TwelveDataServerOptions = {}): Promise<TwelveDataServer> {
  const apiKey = options.apiKey ?? 'test-key';
  const now = options.now ?? (() => Date.now());
  const calls: RecordedCall[] = [];
  const forced: Array<{ scope: 'minute' | 'daily'; httpStatus: number }> = [];
  const usage = { minute: -1, minuteCount: 0, day: '', dayCount: 0 };

  function send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  function error(res: ServerResponse, call: RecordedCall, code: number, message: string, httpStatus = code): void {
    call.errorCode = code;
    send(res, httpStatus, { code, message, status: 'error' });
  }

  function limitMessage(scope: 'minute' | 'daily', used: number, limit: number): string {
    return scope === 'minute'
      ? `You have run out of API credits for the current minute. ${used} API credits were used, with the current limit being ${limit}. Wait for the next minute or consider switching to a higher tier plan at https://twelvedata.com/pricing`
      : `You have run out of API credits for the day. ${used} API credits were used, with the current limit being ${limit}. Wait for the next day or consider switching to a higher tier plan at https://twelvedata.com/pricing`;
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    const keyInUrl = 'apikey' in query;
    const key = keyInUrl ? query.apikey : /^apikey (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (keyInUrl) query.apikey = '***';
    const at = now();
    const call: RecordedCall = { path: url.pathname, query, at, keyInUrl };
    calls.push(call);

    if (key !== apiKey) {
      return error(
        res,
        call,
        401,
        '**apikey** parameter is incorrect or not specified. You can get your free API key instantly following this link: https://twelvedata.com/pricing.',
      );
    }
    const forcedError = forced.shift();
    if (forcedError) {
      const limit = forcedError.scope === 'minute' ? 8 : 800;
      return error(res, call, 429, limitMessage(forcedError.scope, limit + 10, limit), forcedError.httpStatus);
    }
    if (options.enforce) {
      const minute = Math.floor(at / 60_000);
      const day = new Date(at).toISOString().slice(0, 10);
      if (minute !== usage.minute) Object.assign(usage, { minute, minuteCount: 0 });
      if (day !== usage.day) Object.assign(usage, { day, dayCount: 0 });
      usage.minuteCount++;
      usage.dayCount++;
      if (usage.dayCount > options.enforce.perDay) {
        return error(res, call, 429, limitMessage('daily', usage.dayCount, options.enforce.perDay));
      }
      if (usage.minuteCount > options.enforce.perMinute) {
        return error(res, call, 429, limitMessage('minute', usage.minuteCount, options.enforce.perMinute));
      }
    }

    const symbol = query.symbol ?? '';
    if (!/^[A-Z0-9]{2,12}\/(USD|USDT|USDC)$/.test(symbol) || symbol.startsWith('NOPE')) {
      return error(res, call, 404, `**symbol** not found: ${symbol}. Please specify it correctly according to API Documentation.`);
    }

    if (url.pathname === '/price') {
      const index = Math.floor(at / 60_000);
      return send(res, 200, { price: priceAt(symbol, index).toFixed(5) });
    }
    if (url.pathname !== '/time_series') return error(res, call, 404, `Endpoint ${url.pathname} not found`);

    const intervalMs = INTERVALS_MS[query.interval ?? ''];
    if (!intervalMs) {
      return error(
        res,
        call,
        400,
        `Invalid **interval** provided: ${query.interval}. Supported intervals: 1min, 5min, 15min, 30min, 45min, 1h, 2h, 4h, 8h, 1day, 1week, 1month`,
      );
    }
    const dated = query.start_date !== undefined || query.end_date !== undefined;
    const defaultSize = dated ? 5000 : 30;
    const outputsize = Math.min(Math.max(Number(query.outputsize ?? defaultSize) || defaultSize, 1), 5000);
    const daily = intervalMs === 86_400_000;
    const offsetMs = daily || query.timezone === 'UTC' ? 0 : (options.exchangeOffsetMinutes ?? 0) * 60_000;
    const range = barRange(query, intervalMs, offsetMs, outputsize, at);
    if (!range) return error(res, call, 400, 'No data is available on the specified dates. Try setting different start/end dates.');
    const values: Array<Record<string, string>> = [];
    for (let i = range.last; i >= range.first; i--) {
      const open = priceAt(symbol, i - 1);
      const close = priceAt(symbol, i);
      const value: Record<string, string> = {
        datetime: formatDatetime(i * intervalMs + offsetMs, daily),
        open: open.toFixed(5),
        high: (Math.max(open, close) * 1.001).toFixed(5),
        low: (Math.min(open, close) * 0.999).toFixed(5),
        close: close.toFixed(5),
      };
      if (!options.omitVolume) value.volume = String(100 + (i % 50));
      values.push(value);
    }
    if ((query.order ?? 'desc').toLowerCase() === 'asc') values.reverse();
    const [base] = symbol.split('/');
    send(res, 200, {
      meta: {
        symbol,
        interval: query.interval,
        currency_base: base,
        currency_quote: 'US Dollar',
        exchange: 'Binance',
        type: 'Digital Currency',
      },
      values,
      status: 'ok',
    });
  }

  /**
   * Bar indexes answered: the newest `outputsize` bars from `start_date` (inclusive) to `end_date`
   * (exclusive here: the real API does not document it), up to the bar forming at `at`, none before
   * `historyFrom`. Dates are wall-clock in the request's timezone. `undefined` when none is left.
   */
  function barRange(query: Record<string, string>, intervalMs: number, offsetMs: number, outputsize: number, at: number) {
    const dateMs = (text: string | undefined) => (text === undefined ? undefined : parseTwelveDataDatetime(text) - offsetMs);
    const endMs = dateMs(query.end_date);
    const startMs = dateMs(query.start_date);
    let last = Math.floor(at / intervalMs);
    if (endMs !== undefined) last = Math.min(last, Math.ceil(endMs / intervalMs) - 1);
    let first = last - outputsize + 1;
    if (startMs !== undefined) first = Math.max(first, Math.ceil(startMs / intervalMs));
    if (options.historyFrom !== undefined) first = Math.max(first, Math.ceil(options.historyFrom / intervalMs));
    return first > last || Number.isNaN(first + last) ? undefined : { first, last };
  }

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    callCount(path) {
      return path ? calls.filter((c) => c.path === path).length : calls.length;
    },
    failNext(n, scope, httpStatus = 200) {
      for (let i = 0; i < n; i++) forced.push({ scope, httpStatus });
    },
    reset() {
      calls.length = 0;
      forced.length = 0;
      Object.assign(usage, { minute: -1, minuteCount: 0, day: '', dayCount: 0 });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
