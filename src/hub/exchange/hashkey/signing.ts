/**
 * HashKey Global request signing (security types TRADE and USER_DATA).
 *
 * The exchange signs `totalParams` = the exact query string followed directly (no `&`) by the
 * exact form body, with HMAC-SHA256 keyed by the API secret, as lower-case hex. `timestamp` (ms)
 * and `recvWindow` (ms) are ordinary parameters; `signature` is appended last, in the same place
 * (query string or body) as the parameters it covers. We serialize once, in insertion order, sign
 * that exact text and send that exact text: nothing is re-encoded or re-ordered after signing.
 */
import { createHmac } from 'node:crypto';

/** A parameter value; `undefined` drops the key. */
export type ParamValue = string | number | boolean | undefined;
/** Request parameters, serialized in insertion order. */
export type Params = Record<string, ParamValue>;

/** `k=v&k=v` in insertion order, percent-encoding keys and values, skipping `undefined` values. */
export function encodeParams(params: Params): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.join('&');
}

/** Hex HMAC-SHA256 of `totalParams` (query string + body, concatenated without a separator). */
export function signTotalParams(secret: string, totalParams: string): string {
  return createHmac('sha256', secret).update(totalParams, 'utf8').digest('hex');
}

/** The pieces of a signed parameter string. */
export interface SignedParams {
  /** The encoded parameters including `recvWindow` and `timestamp`, without the signature. */
  payload: string;
  /** Hex HMAC-SHA256 of `payload`. */
  signature: string;
  /** `payload&signature=…`: the exact text to send as query string or form body. */
  text: string;
}

/**
 * Encode `params`, append `recvWindow` (when given) and `timestamp`, and sign the result.
 * The caller sends `text` as the whole query string or the whole form body (never split).
 */
export function signParams(params: Params, auth: { secret: string; timestamp: number; recvWindow?: number }): SignedParams {
  const payload = encodeParams({ ...params, recvWindow: auth.recvWindow, timestamp: auth.timestamp });
  const signature = signTotalParams(auth.secret, payload);
  return { payload, signature, text: `${payload}&signature=${signature}` };
}
