/**
 * What one delivery pass of the chain worker learns, row by row, and the retry policy that turns
 * a failure into an outcome: a retryable failure returns the row to `pending` after
 * `backoff(attempt)`; a row without a transaction on the wire gives up after `maxAttempts`; a
 * row whose transaction may still be mined (`keepTx`) is never given up.
 */
import type { Backoff } from './backoff.js';
import { ChainUnavailableError, errorText } from './errors.js';
import type { ClaimedEntry, EntryOutcome } from './outbox.js';
import type { ChainReceipt } from './tx-broadcast.js';

export interface RetryPolicy {
  /** Clock in epoch ms. */
  now: () => number;
  /** Delay before retry number n (n ≥ 1), in ms. */
  backoff: Backoff;
  /** A row that failed this many times without a transaction on the wire becomes `failed`. */
  maxAttempts: number;
}

export class DeliveryPassState {
  /** One outcome per row, in the order rows were first decided (settling and events keep it). */
  private readonly outcomes = new Map<number, EntryOutcome>();
  /** Receipts found this pass; they become `sent` outcomes in `outcomesToSettle()`. */
  readonly confirmed = new Map<number, ChainReceipt>();
  /** Rows broadcast this pass, waiting for their receipts. */
  readonly awaiting: Array<{ entry: ClaimedEntry; txHash: string }> = [];
  /** Set at the first sign that the node is unreachable: nothing more goes out this pass. */
  chainDown: ChainUnavailableError | null = null;
  /** Set when the sender's nonce count may be ahead of what reached the node. */
  nonceDirty = false;

  constructor(private readonly policy: RetryPolicy) {}

  /** Back to `pending` with backoff; `keepTx` keeps the stored transaction (it may be on the wire). */
  retry(entry: ClaimedEntry, err: unknown, keepTx: boolean): void {
    const attempt = entry.attempts + 1;
    const text = errorText(err);
    if (!keepTx && attempt >= this.policy.maxAttempts) {
      this.outcomes.set(entry.id, {
        id: entry.id,
        status: 'failed',
        error: `gave up after ${attempt} attempts: ${text}`,
        txHash: null,
        blockNumber: null,
      });
      return;
    }
    this.outcomes.set(entry.id, {
      id: entry.id,
      status: 'retry',
      error: text,
      nextAttemptAt: new Date(this.policy.now() + this.policy.backoff(attempt)),
      keepTx,
    });
  }

  /** `failed` for good, with the reason (and the transaction, when one was mined or sent). */
  fail(entry: ClaimedEntry, err: unknown, receipt?: { txHash?: string; blockNumber?: number }): void {
    this.outcomes.set(entry.id, {
      id: entry.id,
      status: 'failed',
      error: errorText(err),
      txHash: receipt?.txHash ?? null,
      blockNumber: receipt?.blockNumber ?? null,
    });
  }

  /** Leaves the row unsettled (it stays in `sending` until recovery). */
  forget(id: number): void {
    this.outcomes.delete(id);
  }

  /** Records that the node is unreachable: later rows of this pass are retried with this error. */
  markChainDown(err: unknown): void {
    this.chainDown = err instanceof ChainUnavailableError ? err : new ChainUnavailableError(errorText(err), { cause: err });
  }

  /** Every decided row, confirmed ones as `sent`. */
  outcomesToSettle(): EntryOutcome[] {
    for (const [id, receipt] of this.confirmed)
      this.outcomes.set(id, { id, status: 'sent', txHash: receipt.txHash, blockNumber: receipt.blockNumber });
    return [...this.outcomes.values()];
  }
}
