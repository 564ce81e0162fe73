/**
 * Turns whatever the `openai` SDK threw into one of the gateway's typed errors, and says whether
 * one more attempt is worth it. Upstream error text is only passed on for request rejections
 * (unknown model, bad parameter), after scrubbing the key and anything that looks like one.
 */
import OpenAI, { type APIError } from 'openai';
import { LlmAuthError, LlmError, LlmRateLimitedError, LlmRejectedError, LlmUnavailableError } from './errors.js';
import { PROVIDER_SPECS, type LlmProvider } from './providers.js';

const KEY_LIKE = /\b(sk|key|AIza)[-_A-Za-z0-9]{8,}/g;
const MAX_UPSTREAM_TEXT = 200;

/** `text` without `secret` and without key-shaped tokens, cut to a readable length. */
export function scrubUpstreamText(text: string, secret: string): string {
  let out = secret ? text.split(secret).join('[redacted]') : text;
  out = out.replace(KEY_LIKE, '[redacted]').replace(/\s+/g, ' ').trim();
  return out.length > MAX_UPSTREAM_TEXT ? `${out.slice(0, MAX_UPSTREAM_TEXT - 1)}…` : out;
}

/**
 * Milliseconds to wait from `retry-after-ms` or `retry-after` (delta seconds or an HTTP date);
 * undefined when absent or unreadable.
 */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (/^\s*[\d.]+\s*$/.test(raw) && Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(raw);
  if (Number.isFinite(date)) return Math.max(0, date - now);
  return undefined;
}

/** Whether a second attempt may succeed (5xx, timeout, connection reset; not 4xx). */
export function isTransient(err: LlmError): boolean {
  return err instanceof LlmUnavailableError;
}

export function classifyLlmError(err: unknown, provider: LlmProvider, apiKey: string, timeoutMs: number): LlmError {
  if (err instanceof LlmError) return err;
  const { label, secretName } = PROVIDER_SPECS[provider];
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return new LlmUnavailableError(provider, `${label} did not answer within ${Math.round(timeoutMs / 1000)} s`);
  }
  if (err instanceof OpenAI.APIConnectionError) {
    return new LlmUnavailableError(provider, `${label} could not be reached`);
  }
  if (isApiError(err) && typeof err.status === 'number') {
    const status = err.status;
    if (status === 401 || status === 403) return new LlmAuthError(provider, status, secretName);
    if (status === 429) {
      const waitMs = retryAfterMs(err.headers);
      return new LlmRateLimitedError(provider, waitMs === undefined ? undefined : Math.ceil(waitMs / 1000), waitMs);
    }
    if (status >= 500 || status === 408) return new LlmUnavailableError(provider, `${label} is unavailable (HTTP ${status})`, status);
    const detail = scrubUpstreamText(upstreamMessage(err), apiKey);
    return new LlmRejectedError(provider, status, `${label} refused the request (HTTP ${status})${detail ? `: ${detail}` : ''}`);
  }
  // A 200 whose body is not JSON surfaces as a SyntaxError from the SDK's parser.
  if (err instanceof SyntaxError)
    return new LlmUnavailableError(provider, `${label} answered with an unreadable body`, undefined, { cause: err });
  // Anything else: report it without its text, which we do not control (kept as `cause`).
  return new LlmUnavailableError(provider, `${label} call failed unexpectedly`, undefined, { cause: err });
}

/** The SDK's HTTP error with its declared types (a bare `instanceof` leaves its type parameters `any`). */
function isApiError(err: unknown): err is APIError {
  return err instanceof OpenAI.APIError;
}

function upstreamMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  if (body && typeof body.message === 'string') return body.message;
  return '';
}
