/**
 * Typed errors of `/info` (CoinMarketCap token metadata). Each is a `HubError` whose `userMessage`
 * the bot shows as it is, so each says what went wrong and what to do. None ever holds the API
 * key: CoinMarketCap's own text is scrubbed before it is kept (`cmc-client.ts`).
 */
import { HubError } from '../errors.js';
import type { SecretSource } from '../secrets/secret-resolver.js';

/** Base of every `/info` failure. */
export class TokenInfoError extends HubError {
  override name = 'TokenInfoError';
}

/** Neither the server (CMC_API_KEY) nor the user has a CoinMarketCap key. */
export class TokenInfoNotConfiguredError extends TokenInfoError {
  override name = 'TokenInfoNotConfiguredError';
  constructor() {
    super(
      'no CoinMarketCap key configured',
      '/info is not configured on this server: the operator sets CMC_API_KEY (a CoinMarketCap Pro API key). ' +
        'You can also store your own CoinMarketCap key with /secrets.',
    );
  }
}

/** CoinMarketCap lists no active token under this ticker. */
export class TokenNotFoundError extends TokenInfoError {
  override name = 'TokenNotFoundError';
  constructor(readonly symbol: string) {
    super(
      `CoinMarketCap lists no active token ${symbol}`,
      `CoinMarketCap lists no active token with the ticker ${symbol}. Check the spelling.`,
    );
  }
}

/** What CoinMarketCap's key-related codes mean, in the operator's words. */
const KEY_REASONS: Record<number, string> = {
  1001: 'the key is invalid',
  1002: 'no key was sent',
  1003: 'the plan needs a payment',
  1004: "the plan's payment has expired",
  1005: 'a key is required',
  1006: 'the plan does not include this endpoint',
  1007: 'the key is disabled',
};

/**
 * CoinMarketCap refused the key (`status.error_code` 1001–1007, or HTTP 401/402/403).
 * `source` says whose key it was, so the message tells the right person to fix it.
 */
export class CmcKeyRefusedError extends TokenInfoError {
  override name = 'CmcKeyRefusedError';
  constructor(
    readonly code: number,
    readonly source?: SecretSource,
  ) {
    const reason = KEY_REASONS[code] ?? 'the key was refused';
    super(
      `CoinMarketCap refused the API key (${code}: ${reason})`,
      source === 'user' || source === 'agent'
        ? `CoinMarketCap refused your CoinMarketCap key (${reason}, code ${code}). Replace it with /secrets, or delete it there to use the server's.`
        : `CoinMarketCap refused the server's key (${reason}, code ${code}). The operator should check CMC_API_KEY.`,
    );
  }
}

/** Which CoinMarketCap limit was hit: 1008 minute, 1009 day, 1010 month, 1011 IP. */
export type CmcLimitScope = 'minute' | 'daily' | 'monthly' | 'ip';

const LIMIT_WAIT: Record<CmcLimitScope, string> = {
  minute: 'Try again in a minute.',
  daily: 'The daily allowance is spent; try again after 00:00 UTC.',
  monthly: "This month's allowance is spent; the operator can raise the plan.",
  ip: 'Too many calls from this server; try again in a minute.',
};

export class CmcRateLimitedError extends TokenInfoError {
  override name = 'CmcRateLimitedError';
  constructor(
    readonly code: number,
    readonly scope: CmcLimitScope,
  ) {
    super(`CoinMarketCap rate limit (${code}, ${scope})`, `CoinMarketCap is rate-limiting us. ${LIMIT_WAIT[scope]}`);
  }
}

/** No usable answer: network failure, timeout, 5xx, or a body without the documented shape. */
export class CmcUnavailableError extends TokenInfoError {
  override name = 'CmcUnavailableError';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`CoinMarketCap unavailable: ${reason}`, 'CoinMarketCap did not answer usefully just now. Try again in a few minutes.');
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
