/**
 * Typed errors of the market-data layer. Every error has a stable `name` so adapters (bot, HTTP)
 * can map it to a chat message or an HTTP status without string matching on messages.
 * No message ever contains an API key: upstream text is passed through `redact` first.
 */
import type { ProviderName } from './provider.js';

/** Base class: every market-data failure that is not a programming error. */
export class MarketDataError extends Error {
  override name = 'MarketDataError';
}

/**
 * The upstream refused the call for lack of credits.
 * `scope: 'minute'` clears at the next minute boundary; `scope: 'daily'` at the next UTC midnight.
 */
export class RateLimitedError extends MarketDataError {
  override name = 'RateLimitedError';
  constructor(
    readonly provider: ProviderName,
    readonly scope: 'minute' | 'daily',
    message: string,
  ) {
    super(message);
  }
}

/** The local daily credit budget (see `candle-limiter.ts`) is spent for `day` (UTC `YYYY-MM-DD`). */
export class BudgetExhaustedError extends MarketDataError {
  override name = 'BudgetExhaustedError';
  constructor(
    readonly day: string,
    readonly used: number,
    readonly budget: number,
  ) {
    super(`Daily market-data credit budget spent for ${day} (${used}/${budget}); resets at 00:00 UTC`);
  }
}

/**
 * A queued upstream call would not finish before the caller's deadline. `waitMs` is the time
 * already waited, or (when `estimated`) the predicted wait that made us give up at once.
 */
export class QueueDeadlineError extends MarketDataError {
  override name = 'QueueDeadlineError';
  constructor(
    readonly waitMs: number,
    readonly estimated = false,
  ) {
    super(
      estimated
        ? `Market-data request would wait ~${Math.round(waitMs)} ms in the rate-limit queue`
        : `Market-data request still pending after ${Math.round(waitMs)} ms (rate limit)`,
    );
  }
}

/** The provider rejected the API key (HTTP/body code 401 or 403). */
export class ProviderAuthError extends MarketDataError {
  override name = 'ProviderAuthError';
  constructor(
    readonly provider: ProviderName,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The provider rejected the request (bad parameter, unknown symbol, …) or failed (5xx, bad body). */
export class ProviderRequestError extends MarketDataError {
  override name = 'ProviderRequestError';
  constructor(
    readonly provider: ProviderName,
    /** Upstream error code (HTTP status or body `code`), or 0 when the body was unreadable. */
    readonly code: number | string,
    message: string,
  ) {
    super(message);
  }
}

/** The provider does not list this symbol. */
export class UnsupportedSymbolError extends MarketDataError {
  override name = 'UnsupportedSymbolError';
  constructor(
    readonly symbolId: string,
    readonly provider: ProviderName,
  ) {
    super(`${symbolId} is not available from ${provider}`);
  }
}

/** Nothing is cached and the upstream could not be reached in time (cause attached). */
export class CandlesUnavailableError extends MarketDataError {
  override name = 'CandlesUnavailableError';
  constructor(symbolId: string, interval: string, options?: { cause?: unknown }) {
    super(`No candles available for ${symbolId} ${interval}`, options);
  }
}

/** Replace every occurrence of `secret` in `text` (no-op for an empty secret). */
export function redact(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.split(secret).join('***');
}
