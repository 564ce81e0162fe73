/**
 * Typed errors of the LLM gateway. Messages are safe to show to the trader and to log: they
 * never contain the API key or the upstream's raw error text for auth failures (OpenAI echoes a
 * masked key in its 401 message).
 *
 * HTTP mapping (see `src/http/routes/internal-llm.ts`): `LlmNotConfiguredError` → 409,
 * `LlmBudgetExhaustedError` and `LlmAgentBudgetExhaustedError` → 429, the upstream failures (`LlmAuthError`, `LlmRateLimitedError`,
 * `LlmUnavailableError`, `LlmRejectedError`) → 502.
 */
import { HubError } from '../errors.js';
import { PROVIDER_SPECS, type LlmProvider } from './providers.js';

/** Base class of every gateway failure that is not a programming error. */
export class LlmError extends HubError {
  override name = 'LlmError';
  constructor(
    readonly provider: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** The agent has no provider, an unknown provider, or no key for its provider. */
export class LlmNotConfiguredError extends LlmError {
  override name = 'LlmNotConfiguredError';
  constructor(
    provider: string,
    message: string,
    /** The secret to set (e.g. `OPENAI_API_KEY`), when a key is what is missing. */
    readonly secretName?: string,
  ) {
    super(provider, message);
  }
}

/**
 * The owner's daily budget on the server-wide keys is spent; nothing was sent upstream. The agent
 * plans with its rules until `resetsAt` (the next UTC midnight), or until the owner sets a key.
 */
export class LlmBudgetExhaustedError extends LlmError {
  override name = 'LlmBudgetExhaustedError';
  constructor(
    provider: string,
    readonly usedTokens: number,
    readonly limitTokens: number,
    readonly resetsAt: Date,
    /** Seconds from the refusal until `resetsAt`. */
    readonly retryAfterSeconds: number,
    /** The secret that lifts the limit (the owner's own key). */
    readonly secretName: string,
  ) {
    super(
      provider,
      `Today's budget of ${limitTokens.toLocaleString('en-US')} tokens on the server's LLM keys is spent (${usedTokens.toLocaleString('en-US')} used); ` +
        `the agent uses its rules until 00:00 UTC. Set your own ${secretName} to go on.`,
    );
  }
}

/**
 * The agent's own daily LLM budget in USD (set in /create or /edit) is reached; nothing was sent
 * upstream. The agent plans with its rules until `resetsAt` (the next UTC midnight).
 */
export class LlmAgentBudgetExhaustedError extends LlmError {
  override name = 'LlmAgentBudgetExhaustedError';
  constructor(
    provider: string,
    /** USD spent today. */
    readonly spentUsd: number,
    /** The agent's daily budget, USD. */
    readonly budgetUsd: number,
    readonly resetsAt: Date,
    /** Seconds from the refusal until `resetsAt`. */
    readonly retryAfterSeconds: number,
  ) {
    super(
      provider,
      `This agent's LLM budget of $${budgetUsd.toFixed(2)} a day is reached ($${spentUsd.toFixed(2)} spent today); ` +
        'it uses its rules until 00:00 UTC. Raise or remove the budget with /edit to go on.',
    );
  }
}

/** The provider refused the key (401) or the key lacks access (403). */
export class LlmAuthError extends LlmError {
  override name = 'LlmAuthError';
  constructor(
    provider: LlmProvider,
    readonly status: number,
    readonly secretName: string,
  ) {
    super(
      provider,
      status === 403
        ? `${PROVIDER_SPECS[provider].label} refused access with this key (HTTP 403): check the key's permissions or replace ${secretName}`
        : `${PROVIDER_SPECS[provider].label} rejected the API key (HTTP 401): replace ${secretName}`,
    );
  }
}

/** The provider rate-limited the call (429). `retryAfterSeconds` comes from `retry-after`. */
export class LlmRateLimitedError extends LlmError {
  override name = 'LlmRateLimitedError';
  constructor(
    provider: LlmProvider,
    readonly retryAfterSeconds: number | undefined,
    /** The same wait in ms, when the upstream gave it more precisely (`retry-after-ms`). */
    readonly retryAfterMs: number | undefined = retryAfterSeconds === undefined ? undefined : retryAfterSeconds * 1000,
  ) {
    super(
      provider,
      `${PROVIDER_SPECS[provider].label} rate-limited the request (HTTP 429)` +
        (retryAfterSeconds !== undefined ? `; retry after ${retryAfterSeconds} s` : '; retry later'),
    );
  }
}

/** No usable answer: 5xx, timeout, connection refused, or an answer without a message. */
export class LlmUnavailableError extends LlmError {
  override name = 'LlmUnavailableError';
  constructor(
    provider: LlmProvider,
    message: string,
    /** Upstream HTTP status, when there was one. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(provider, message, options);
  }
}

/**
 * The provider refused the request itself (400/402/404/422…): unknown model, out of credit,
 * invalid parameter. Retrying the same request will not help.
 */
export class LlmRejectedError extends LlmError {
  override name = 'LlmRejectedError';
  constructor(
    provider: LlmProvider,
    readonly status: number,
    message: string,
  ) {
    super(provider, message);
  }
}
