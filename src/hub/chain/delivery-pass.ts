/**
 * One pass of the chain worker. It claims due rows (outbox.ts), then:
 *  1. rows that already hold a signed transaction (a crash or timeout left them on the wire,
 *     maybe) are looked up: mined → sent; otherwise the same bytes are re-broadcast (idempotent).
 *     Only when the node says that nonce is used and the transaction has no receipt is the row
 *     signed again — its old transaction can never be mined any more;
 *  2. fresh rows are signed in id order (consecutive nonces), the signed transactions are
 *     committed to the database, and only then broadcast, in nonce order;
 *  3. receipts are awaited concurrently and every row is settled in one transaction.
 * A crash at any point therefore leaves either an unsigned row (sent later) or a row with its
 * transaction stored (checked, never duplicated). `ChainUnavailableError` → back to `pending`
 * with exponential backoff; `ChainRejectedError` → `failed` with the reason, no retry.
 */
import { Transaction } from 'ethers';
import type { Logger } from 'pino';

import type { Orm } from '../../db/orm.js';
import type { Backoff } from './backoff.js';
import type { ChainSender, ChainTxRequest, PreparedChainTx } from './chain-sender.js';
import type { DecisionRecord, TradeRecord } from './encoding.js';
import { ChainRejectedError, ChainUnavailableError } from './errors.js';
import {
  claimDueEntries,
  recoverInterruptedEntries,
  settleEntries,
  storeSignedTransactions,
  type ClaimedEntry,
  type EntryOutcome,
} from './outbox.js';
import { DeliveryPassState } from './pass-state.js';

export interface DeliveryPassOptions {
  orm: Orm;
  sender: ChainSender;
  logger: Pick<Logger, 'warn' | 'error'>;
  /** Clock in epoch ms. */
  now: () => number;
  /** Rows claimed per pass. */
  batchSize: number;
  /** Delay before retry number n (n ≥ 1), in ms. */
  backoff: Backoff;
  /** A row that failed this many times without a transaction on the wire becomes `failed`. */
  maxAttempts: number;
  /** Receipt wait per pass, in ms; a slower receipt is checked again on a later pass. */
  receiptTimeoutMs: number;
  /** Called with the chain id of the first transaction a pass signs (for explorer links). */
  onSigned(chainId: number): void;
}

/** The rows one pass claimed and how it settled them (rows changed under the worker have no outcome). */
export interface DeliveredBatch {
  claimed: ClaimedEntry[];
  settled: EntryOutcome[];
}

type SignedEntry = { entry: ClaimedEntry; tx: PreparedChainTx };

/** A pass; passes must not overlap (the drain loop serialises them). */
export interface DeliveryPass {
  (): Promise<DeliveredBatch>;
  /** The next pass first returns rows left in `sending` to `pending` (a worker starting, e.g. on a new leader). */
  recoverNext(): void;
}

/** Returns the pass function; passes must not overlap (the drain loop serialises them). */
export function createDeliveryPass(options: DeliveryPassOptions): DeliveryPass {
  const { orm, logger, now } = options;
  // A pass that died half-way (database error) may leave rows in `sending`; so may a crash.
  let needsRecovery = true;

  async function deliverDueEntries(): Promise<DeliveredBatch> {
    const start = new Date(now());
    if (needsRecovery) {
      const recovered = await recoverInterruptedEntries(orm, start);
      if (recovered > 0) logger.warn({ recovered }, 'chain outbox: rows left in sending returned to pending');
      needsRecovery = false;
    }
    const claimed = await claimDueEntries(orm, options.batchSize, start);
    if (claimed.length === 0) return { claimed, settled: [] };
    needsRecovery = true; // until this pass has settled every row it claimed
    const settled = await deliverClaimed(options, claimed);
    await settleEntries(orm, settled, new Date(now()));
    // Rows skipped by the pass (changed under us) stay in `sending`; recovery picks them up.
    needsRecovery = settled.length < claimed.length;
    return { claimed, settled };
  }
  return Object.assign(deliverDueEntries, {
    recoverNext: () => {
      needsRecovery = true;
    },
  });
}

/** Steps 1–3 of the header for the claimed rows; returns the outcomes to settle. */
async function deliverClaimed(options: DeliveryPassOptions, claimed: ClaimedEntry[]): Promise<EntryOutcome[]> {
  const { sender, receiptTimeoutMs } = options;
  const pass = new DeliveryPassState(options);
  const inFlight = claimed.filter((e) => e.signedTx && e.txHash);
  const fresh = claimed.filter((e) => !(e.signedTx && e.txHash));
  fresh.push(...(await recheckInFlight(sender, pass, inFlight)));
  await signStoreAndBroadcast(options, pass, fresh);
  if (pass.chainDown || pass.nonceDirty) await sender.resetNonce();

  // 3. Receipts, concurrently.
  await Promise.all(
    pass.awaiting.map(async ({ entry, txHash }) => {
      try {
        pass.confirmed.set(entry.id, await sender.waitForReceipt(txHash, receiptTimeoutMs));
      } catch (err) {
        if (err instanceof ChainRejectedError) pass.fail(entry, err, { txHash });
        else pass.retry(entry, err, true);
      }
    }),
  );
  return pass.outcomesToSettle();
}

/**
 * 1. Rows whose transaction may be on the wire: look up, else re-broadcast, in nonce order.
 * Returns the rows whose transaction can never be mined now: they are signed again.
 */
async function recheckInFlight(sender: ChainSender, pass: DeliveryPassState, inFlight: ClaimedEntry[]): Promise<ClaimedEntry[]> {
  const toResign: ClaimedEntry[] = [];
  const byNonce = inFlight
    .map((entry) => ({ entry, nonce: nonceOf(entry.signedTx!) }))
    .sort((a, b) => a.nonce - b.nonce || a.entry.id - b.entry.id);
  for (const { entry } of byNonce) {
    const txHash = entry.txHash!;
    if (pass.chainDown) {
      pass.retry(entry, pass.chainDown, true);
      continue;
    }
    try {
      const receipt = await sender.lookupReceipt(txHash);
      if (receipt) {
        pass.confirmed.set(entry.id, receipt);
        continue;
      }
      await sender.broadcast(entry.signedTx!);
      pass.awaiting.push({ entry, txHash });
    } catch (err) {
      if (err instanceof ChainRejectedError) {
        pass.fail(entry, err, { txHash });
      } else if (err instanceof ChainUnavailableError && err.details.code === 'NONCE_EXPIRED') {
        // The nonce is used. By this transaction (mined meanwhile) or by another one?
        try {
          const receipt = await sender.lookupReceipt(txHash);
          if (receipt) pass.confirmed.set(entry.id, receipt);
          else toResign.push(entry); // can never be mined now: sign the record again
        } catch (lookupErr) {
          if (lookupErr instanceof ChainRejectedError) pass.fail(entry, lookupErr, { txHash });
          else {
            pass.markChainDown(lookupErr);
            pass.retry(entry, lookupErr, true);
          }
        }
      } else {
        pass.markChainDown(err);
        pass.retry(entry, err, true);
      }
    }
  }
  return toResign;
}

/** 2. Sign fresh rows in id order, store the signed transactions, then broadcast them. */
async function signStoreAndBroadcast(options: DeliveryPassOptions, pass: DeliveryPassState, fresh: ClaimedEntry[]): Promise<void> {
  fresh.sort((a, b) => a.id - b.id);
  if (pass.chainDown) {
    for (const entry of fresh) pass.retry(entry, pass.chainDown, entry.txHash !== null);
    return;
  }
  const signed = fresh.length > 0 ? await signInIdOrder(options.sender, pass, fresh) : [];
  if (signed.length === 0) return;
  options.onSigned(signed[0].tx.chainId);
  let stored: Set<number>;
  try {
    stored = await storeSignedTransactions(
      options.orm,
      signed.map(({ entry, tx }) => ({ id: entry.id, previousTxHash: entry.txHash, txHash: tx.txHash, raw: tx.raw })),
    );
  } catch (err) {
    // Nothing of these was broadcast; their nonces are free again.
    await options.sender.resetNonce();
    throw err;
  }
  await broadcastInNonceOrder(options, pass, signed, stored);
}

/** Signs the rows as one batch; rows the chain refuses fail, the rest of a failed batch is retried. */
async function signInIdOrder(sender: ChainSender, pass: DeliveryPassState, fresh: ClaimedEntry[]): Promise<SignedEntry[]> {
  const signed: SignedEntry[] = [];
  const prepared = await sender.prepareMany(fresh.map(requestOf));
  prepared.forEach((outcome, i) => {
    const entry = fresh[i];
    if (outcome.ok) signed.push({ entry, tx: outcome.tx });
    else if (outcome.error instanceof ChainRejectedError) pass.fail(entry, outcome.error);
    else {
      pass.chainDown ??= outcome.error;
      pass.retry(entry, outcome.error, entry.txHash !== null);
    }
  });
  return signed;
}

/**
 * Broadcast in nonce order; after the first failure nothing more goes out this pass, and
 * the rows not broadcast drop their stored transaction (it never left this process).
 * Signing stops at its first failure, so what was signed is a gap-free run worth sending.
 * (Signing only ran because the chain was up when the pass reached step 2.)
 */
async function broadcastInNonceOrder(
  { sender, logger }: DeliveryPassOptions,
  pass: DeliveryPassState,
  signed: SignedEntry[],
  stored: Set<number>,
): Promise<void> {
  let halted: unknown = null;
  for (const { entry, tx } of signed) {
    if (!stored.has(entry.id)) {
      pass.nonceDirty = true;
      logger.error({ outboxId: entry.id }, 'chain outbox: row changed under the worker; is a second worker draining this database?');
      pass.forget(entry.id);
      continue;
    }
    if (halted) {
      pass.nonceDirty = true;
      pass.retry(entry, halted, false);
      continue;
    }
    try {
      await sender.broadcast(tx.raw);
      pass.awaiting.push({ entry, txHash: tx.txHash });
    } catch (err) {
      pass.nonceDirty = true;
      halted = err;
      if (err instanceof ChainRejectedError) pass.fail(entry, err, { txHash: tx.txHash });
      else {
        pass.markChainDown(err);
        pass.retry(entry, err, true); // it may have reached the node
      }
    }
  }
}

function requestOf(entry: ClaimedEntry): ChainTxRequest {
  return entry.kind === 'decision'
    ? { kind: 'decision', record: entry.record as DecisionRecord }
    : { kind: 'trade', record: entry.record as TradeRecord };
}

/** Nonce of a stored signed transaction (0 when it cannot be parsed: it is then just re-sent first). */
function nonceOf(raw: string): number {
  try {
    return Transaction.from(raw).nonce;
  } catch {
    return 0;
  }
}
