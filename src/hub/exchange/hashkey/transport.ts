/**
 * How the HashKey client talks to the exchange: one HTTP request per call, errors mapped to
 * `HashKeyApiError` / `HashKeyNetworkError` with secrets redacted, and the signed-request rules:
 *
 * - Signed endpoints send `X-HK-APIKEY`, add `recvWindow` and `timestamp` (ms, local clock plus
 *   the offset learned from the server) and sign as `signing.ts` describes. GET and DELETE carry
 *   the signed text as the query string; POST carries it as an `application/x-www-form-urlencoded`
 *   body. Both are valid under the exchange's totalParams rule.
 * - A `-1021` answer (timestamp outside recvWindow) resyncs the clock offset from `serverTime()`
 *   and retries the request exactly once.
 */
import { HashKeyApiError, HashKeyCredentialsMissingError, HashKeyNetworkError, redact } from './errors.js';
import { jsonText } from './json-text.js';
import { parseServerTime } from './responses.js';
import { encodeParams, signParams, type Params } from './signing.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface HashKeyTransportOptions {
  /** Without a trailing slash. */
  baseUrl: string;
  apiKey?: string;
  /** Never logged, never put in an error message. */
  secret?: string;
  /** `recvWindow` sent with signed requests, ms. */
  recvWindowMs: number;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  fetch: typeof fetch;
  /** Local clock, epoch ms. */
  now: () => number;
}

export interface HashKeyTransport {
  /** One request; `signed` adds the API key, `recvWindow`, `timestamp` and the signature. Resolves to the parsed body. */
  send(method: HttpMethod, path: string, params: Params, signed: boolean): Promise<unknown>;
  /** `GET /api/v1/time`: the server's clock, epoch ms. */
  serverTime(): Promise<number>;
  /** Measures (server clock − local clock) from `serverTime()` and uses it for later timestamps; returns it. */
  syncClock(): Promise<number>;
  /** Current estimate of (server clock − local clock), ms. */
  clockOffsetMs(): number;
}

const SUCCESS_CODES = new Set(['0', '0000', '200']);

export function createHashKeyTransport(options: HashKeyTransportOptions): HashKeyTransport {
  const { apiKey, secret, now } = options;
  let offsetMs = 0;

  async function send(method: HttpMethod, path: string, params: Params, signed: boolean): Promise<unknown> {
    const label = `${method} ${path}`;
    if (!signed) return request(options, { method, path, label, text: encodeParams(params), key: undefined, secrets: [] });
    if (!apiKey || !secret) throw new HashKeyCredentialsMissingError(label);
    const attempt = () => {
      const signedParams = signParams(params, { secret, timestamp: Math.round(now() + offsetMs), recvWindow: options.recvWindowMs });
      const secrets = [secret, signedParams.signature, apiKey];
      return request(options, { method, path, label, text: signedParams.text, key: apiKey, secrets });
    };
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof HashKeyApiError) || error.code !== '-1021') throw error;
      await syncClock();
      return attempt();
    }
  }

  async function serverTime(): Promise<number> {
    return parseServerTime(await send('GET', '/api/v1/time', {}, false));
  }

  async function syncClock(): Promise<number> {
    const before = now();
    const server = await serverTime();
    const after = now();
    offsetMs = Math.round(server - (before + after) / 2);
    return offsetMs;
  }

  return { send, serverTime, syncClock, clockOffsetMs: () => offsetMs };
}

interface RequestSpec {
  method: HttpMethod;
  path: string;
  /** `METHOD /path`, for errors. */
  label: string;
  /** Encoded parameters: the query string (GET, DELETE) or the form body (POST). */
  text: string;
  key: string | undefined;
  /** Values redacted from any error text. */
  secrets: readonly (string | undefined)[];
}

/** Sends the request and returns the parsed JSON body; any failure becomes a HashKey error. */
async function request(options: HashKeyTransportOptions, spec: RequestSpec): Promise<unknown> {
  const { method, label, text, key, secrets } = spec;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers['X-HK-APIKEY'] = key;
  let url = options.baseUrl + spec.path;
  let body: string | undefined;
  if (method === 'POST') {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = text;
  } else if (text) {
    url += `?${text}`;
  }

  const doFetch = options.fetch;
  let response: Response;
  let raw: string;
  try {
    response = await doFetch(url, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs) });
    raw = await response.text();
  } catch (error) {
    throw new HashKeyNetworkError(label, redact(describeFailure(error), secrets));
  }

  let parsed: unknown;
  try {
    parsed = raw === '' ? {} : JSON.parse(raw);
  } catch {
    if (response.ok) throw new HashKeyNetworkError(label, `unreadable response (HTTP ${response.status})`);
    throw new HashKeyApiError(`HTTP${response.status}`, redact(raw.slice(0, 200), secrets), response.status, label);
  }

  const error = errorOf(parsed);
  if (!response.ok || error) {
    const code = error?.code ?? `HTTP${response.status}`;
    const msg = error?.msg ?? response.statusText;
    throw new HashKeyApiError(code, redact(msg, secrets), response.status, label);
  }
  return parsed;
}

/** `{code, msg}` of an error body, also when sent with HTTP 200; undefined for a success body. */
function errorOf(body: unknown): { code: string; msg: string } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const o = body as Record<string, unknown>;
  if (o.code === undefined || o.code === null || o.msg === undefined) return undefined;
  const code = jsonText(o.code);
  if (SUCCESS_CODES.has(code)) return undefined;
  return { code, msg: jsonText(o.msg) };
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'no answer before the timeout';
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const detail = cause?.code ?? cause?.message;
    return detail ? `${error.message} (${jsonText(detail)})` : error.message;
  }
  return String(error);
}
