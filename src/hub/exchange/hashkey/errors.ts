/**
 * Typed errors of the HashKey Global client.
 *
 * HashKey answers failures with a non-2xx status (usually 400) and `{"code": "<code>", "msg": "…"}`;
 * the code is sometimes a string (`"0211"`, `"-1141"`) and sometimes a number (`-100012`). We keep
 * it as the string the exchange sent and map it to an `ExchangeErrorKind` the broker understands.
 * Messages are built from the method, path, code and the exchange's `msg` only: never the query
 * string or body (they carry the signature), and any secret text is redacted as a last resort.
 */
import { ExchangeError, type ExchangeErrorKind } from '../exchange.js';

/** Documented codes → kind. Codes not listed fall back on the HTTP status (see `kindForCode`). */
const KIND_BY_CODE: Record<string, ExchangeErrorKind> = {
  '0002': 'auth', // incorrect signature (ccxt); the doc table also says 0001, see kindForCode
  '0003': 'rate_limited',
  '0102': 'auth', // invalid API key
  '0103': 'auth', // API key expired
  '0104': 'auth', // accountId not allowed
  '0201': 'bad_request', // instrument not found
  '0202': 'auth', // IP not whitelisted
  '0206': 'rejected',
  '0207': 'rejected',
  '0209': 'rejected',
  '0210': 'rejected',
  '0211': 'order_not_found',
  '0401': 'insufficient_balance',
  '-1000': 'unavailable',
  '-1001': 'unavailable',
  '-1002': 'auth', // unauthorized; often a sandbox key sent to production or the reverse
  '-1004': 'bad_request',
  '-1005': 'auth', // no permission
  '-1006': 'unavailable', // execution status unknown: reconcile before retrying
  '-1007': 'unavailable',
  '-1021': 'timestamp',
  '-1024': 'bad_request', // duplicate request (not the client-order-id duplicate, that is -1141)
  '-1129': 'bad_request',
  '-1141': 'duplicate_order',
  '-1142': 'order_not_found', // already cancelled
  '-1143': 'order_not_found', // not on the book
  '-1146': 'unavailable',
  '-1147': 'unavailable',
  '-1151': 'rejected',
  '-1155': 'rejected',
  '-1193': 'rejected',
  '-1194': 'rejected',
  '-1195': 'rejected',
  '-1196': 'rejected',
  '-2002': 'rejected',
  '-2020': 'auth',
  '-2021': 'auth',
  '-2023': 'auth',
  '-2030': 'insufficient_balance',
  '-2038': 'insufficient_balance',
  '-2040': 'unavailable',
  '-3117': 'auth',
  '-3145': 'rate_limited',
};

/** Map an exchange code (and its message / HTTP status) to a kind. */
export function kindForCode(code: string, msg: string, httpStatus: number): ExchangeErrorKind {
  const known = KIND_BY_CODE[code];
  if (known) return known;
  // 0001 is "required field missing or invalid" in ccxt's captures, "incorrect signature" in the doc table.
  if (code === '0001') return /signature/i.test(msg) ? 'auth' : 'bad_request';
  if (/^-11(3[2-9]|40)$/.test(code)) return 'rejected'; // price/quantity/amount limits or precision
  if (/^-11\d\d$/.test(code) || /^-1000\d\d$/.test(code)) return 'bad_request';
  if (httpStatus === 429) return 'rate_limited';
  if (httpStatus === 401 || httpStatus === 403) return 'auth';
  if (httpStatus >= 500) return 'unavailable';
  return 'unknown';
}

/** The exchange answered with an error code. */
export class HashKeyApiError extends ExchangeError {
  override name = 'HashKeyApiError';

  constructor(
    /** The exchange's code as text, e.g. `-1021`, `0211`. */
    readonly code: string,
    /** The exchange's own message (redacted). */
    readonly msg: string,
    readonly httpStatus: number,
    /** `GET /api/v1/account` style description of the request, without parameters. */
    readonly request: string,
    kind: ExchangeErrorKind = kindForCode(code, msg, httpStatus),
  ) {
    super(kind, `HashKey ${request} failed: ${code} ${msg} (HTTP ${httpStatus})`);
  }
}

/** No HTTP answer (connection refused, reset, timeout) or an unreadable one. */
export class HashKeyNetworkError extends ExchangeError {
  override name = 'HashKeyNetworkError';
  constructor(
    readonly request: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('unavailable', `HashKey ${request}: ${reason}`, options);
  }
}

/** A signed endpoint was called on a client built without an API key and secret. */
export class HashKeyCredentialsMissingError extends ExchangeError {
  override name = 'HashKeyCredentialsMissingError';
  constructor(readonly request: string) {
    super('auth', `HashKey ${request} needs an API key and secret, and none are configured`);
  }
}

/** The order breaks the symbol's trading rules; it was not sent. */
export class OrderRejectedLocallyError extends ExchangeError {
  override name = 'OrderRejectedLocallyError';
  constructor(
    readonly symbol: string,
    /** Which rule failed, e.g. `minQty`, `stepSize`, `minNotional`. */
    readonly rule: string,
    message: string,
  ) {
    super('rejected', `${symbol} order not sent: ${message}`);
  }
}

/** A symbol is not listed by `exchangeInfo`. */
export class UnknownSymbolError extends ExchangeError {
  override name = 'UnknownSymbolError';
  constructor(readonly symbol: string) {
    super('bad_request', `HashKey does not list symbol ${symbol}`);
  }
}

/** Replace every occurrence of each non-empty secret in `text` with `[redacted]`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
