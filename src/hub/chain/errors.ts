/**
 * Errors of the chain logger. A caller (the outbox worker) needs one decision per failure:
 * `ChainUnavailableError` → keep the record and retry later; `ChainRejectedError` → the chain
 * or the contract refused it and retrying the same record will not help.
 */

/** A domain value cannot be turned into contract arguments (bad price, symbol, hash...). */
export class ChainEncodingError extends Error {
  override readonly name = 'ChainEncodingError';
  constructor(
    message: string,
    /** The offending field, e.g. `entryPrice`. */
    readonly field: string,
  ) {
    super(message);
  }
}

/**
 * The RPC node could not be reached, timed out, or answered with a transient error (nonce
 * race, underpriced replacement, insufficient funds until the wallet is topped up).
 * Retryable. `txHash` is set when the transaction was broadcast but its receipt did not
 * arrive in time: it may still be mined, so check it (`ChainSender.lookupReceipt`) before
 * sending the record again.
 */
export class ChainUnavailableError extends Error {
  override readonly name = 'ChainUnavailableError';
  readonly retryable = true;
  constructor(
    message: string,
    readonly details: { code?: string; txHash?: string; reason?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
  }
  get txHash(): string | undefined {
    return this.details.txHash;
  }
}

/**
 * The chain refused the record for good: the call reverts (not the owner, value out of range),
 * the transaction was mined with status 0, or the input could not be encoded. Not retryable.
 */
export class ChainRejectedError extends Error {
  override readonly name = 'ChainRejectedError';
  readonly retryable = false;
  constructor(
    message: string,
    readonly details: { code?: string; txHash?: string; reason?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
  }
  get txHash(): string | undefined {
    return this.details.txHash;
  }
}

/** True for errors worth retrying later (see `ChainUnavailableError`). */
export function isRetryableChainError(err: unknown): boolean {
  return err instanceof ChainUnavailableError;
}
