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

/** What both chain errors carry: the node's code, a tx hash when one was broadcast, a reason. */
export interface ChainErrorDetails {
  code?: string;
  txHash?: string;
  reason?: string;
  cause?: unknown;
}

abstract class ChainError extends Error {
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    readonly details: ChainErrorDetails = {},
  ) {
    super(message, { cause: details.cause });
  }
  get txHash(): string | undefined {
    return this.details.txHash;
  }
}

/**
 * The RPC node could not be reached, timed out, or answered with a transient error (nonce
 * race, underpriced replacement, insufficient funds until the wallet is topped up).
 * Retryable. `txHash` is set when the transaction was broadcast but its receipt did not
 * arrive in time: it may still be mined, so check it (`ChainSender.lookupReceipt`) before
 * sending the record again.
 */
export class ChainUnavailableError extends ChainError {
  override readonly name = 'ChainUnavailableError';
  readonly retryable = true;
}

/**
 * The chain refused the record for good: the call reverts (not the owner, value out of range),
 * the transaction was mined with status 0, or the input could not be encoded. Not retryable.
 */
export class ChainRejectedError extends ChainError {
  override readonly name = 'ChainRejectedError';
  readonly retryable = false;
}

/** True for errors worth retrying later (see `ChainUnavailableError`). */
export function isRetryableChainError(err: unknown): boolean {
  return err instanceof ChainUnavailableError;
}

/** `Name: message` of an error, as the outbox stores it in `last_error` and in the worker's stats. */
export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
