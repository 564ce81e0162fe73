/**
 * The ChainLogger: one worker that drains `chain_outbox` onto HashKey Chain, exactly once.
 *
 * A pass claims due rows (outbox.ts), then:
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
 *
 * Nothing runs until `start()`. One ChainLogger per database (one signer, one worker).
 */
import { Transaction } from 'ethers';
import type { Logger } from 'pino';

import type { Orm } from '../../db/orm.js';
import { exponentialBackoff, type Backoff } from './backoff.js';
import type { ChainReceipt, ChainSender, ChainTxRequest, PreparedChainTx } from './chain-sender.js';
import type { DecisionRecord, TradeRecord } from './encoding.js';
import { ChainRejectedError, ChainUnavailableError } from './errors.js';
import { explorerTxUrl } from './networks.js';
import {
  claimDueEntries,
  countEntriesByStatus,
  recoverInterruptedEntries,
  settleEntries,
  storeSignedTransactions,
  type ChainEntryKind,
  type ClaimedEntry,
  type EntryOutcome,
} from './outbox.js';

/** What an `onSent` listener gets: enough for an alert with an explorer link. */
export interface ChainEntrySent {
  outboxId: number;
  kind: ChainEntryKind;
  /** The record the entry logged (its outbox payload, e.g. a trade's `agentId`, `side`, `detail`). */
  record: DecisionRecord | TradeRecord;
  txHash: string;
  blockNumber: number;
  /** Explorer page of the transaction; undefined on chains without a known explorer. */
  explorerUrl: string | undefined;
  /** Time from enqueue to confirmation, in ms. */
  latencyMs: number;
}

export type ChainSentListener = (event: ChainEntrySent) => void;

/** Counters since `start()` (or creation), cheap enough for every /health call. */
export interface ChainLoggerStats {
  enabled: boolean;
  running: boolean;
  passes: number;
  sent: number;
  retried: number;
  failed: number;
  /** Last delivery error, if any (retryable or not). */
  lastError: string | null;
  /** Epoch ms of the last confirmed entry. */
  lastSentAt: number | null;
}

/** Per-pass result of `drainOnce()`. */
export interface DrainResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
}

export interface ChainLogger {
  /** False for the disabled logger (no RPC URL / key configured). */
  readonly enabled: boolean;
  /** Recovers rows a previous process left in `sending`, then drains in the background. */
  start(): Promise<void>;
  /** Stops the loop and waits for the current pass to finish. Idempotent. */
  stop(): Promise<void>;
  /** Runs one pass now (serialised with the background loop). */
  drainOnce(): Promise<DrainResult>;
  /** Asks the loop to run a pass now instead of at the next poll (e.g. after an enqueue). */
  wake(): void;
  stats(): ChainLoggerStats;
  /** Rows per status, read from the database. */
  backlog(): Promise<Record<'pending' | 'sending' | 'sent' | 'failed', number>>;
  /** Registers a listener called after each confirmed entry is committed; returns an unsubscribe function. */
  onSent(listener: ChainSentListener): () => void;
}

export interface ChainLoggerOptions {
  orm: Orm;
  sender: ChainSender;
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Clock in epoch ms; default `Date.now`. */
  now?: () => number;
  /** Idle wait between passes when nothing was due, in ms. Default 1 000. */
  pollIntervalMs?: number;
  /** Rows claimed per pass. Default 50. */
  batchSize?: number;
  /** Delay before retry number n (n ≥ 1), in ms. Default 1 s doubling to 60 s, ±50 % jitter. */
  backoff?: Backoff;
  /**
   * A row that failed this many times without a transaction on the wire becomes `failed`.
   * Default: no limit (an outage of any length loses nothing). Rows whose transaction may
   * still be mined are never given up.
   */
  maxAttempts?: number;
  /** Receipt wait per pass, in ms; a slower receipt is checked again on a later pass. Default 60 000. */
  receiptTimeoutMs?: number;
  /** Chain id for explorer links; default: asked from the node once. */
  chainId?: number;
}

function message(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** The logger used when HSK_RPC_URL / HSK_PRIVATE_KEY are not configured: enqueued rows just wait. */
export function createDisabledChainLogger(): ChainLogger {
  return {
    enabled: false,
    start: async () => undefined,
    stop: async () => undefined,
    drainOnce: async () => ({ claimed: 0, sent: 0, retried: 0, failed: 0 }),
    wake: () => undefined,
    stats: () => ({ enabled: false, running: false, passes: 0, sent: 0, retried: 0, failed: 0, lastError: null, lastSentAt: null }),
    backlog: async () => ({ pending: 0, sending: 0, sent: 0, failed: 0 }),
    onSent: () => () => undefined,
  };
}

export function createChainLogger(options: ChainLoggerOptions): ChainLogger {
  const { orm, sender, logger } = options;
  const now = options.now ?? Date.now;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const batchSize = options.batchSize ?? 50;
  const backoff = options.backoff ?? exponentialBackoff();
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  const receiptTimeoutMs = options.receiptTimeoutMs ?? 60_000;
  const listeners = new Set<ChainSentListener>();
  const counters: ChainLoggerStats = { enabled: true, running: false, passes: 0, sent: 0, retried: 0, failed: 0, lastError: null, lastSentAt: null };
  let chainId = options.chainId;
  // A pass that died half-way (database error) may leave rows in `sending`; so may a crash.
  let needsRecovery = true;
  let passChain: Promise<unknown> = Promise.resolve();
  let loop: Promise<void> | null = null;
  let stopping = false;
  let wakeUp: (() => void) | null = null;
  let wakeRequested = false;

  function requestOf(entry: ClaimedEntry): ChainTxRequest {
    return entry.kind === 'decision'
      ? { kind: 'decision', record: entry.record as DecisionRecord }
      : { kind: 'trade', record: entry.record as TradeRecord };
  }

  async function runPass(): Promise<DrainResult> {
    const start = new Date(now());
    if (needsRecovery) {
      const recovered = await recoverInterruptedEntries(orm, start);
      if (recovered > 0) logger.warn({ recovered }, 'chain outbox: rows left in sending returned to pending');
      needsRecovery = false;
    }
    const claimed = await claimDueEntries(orm, batchSize, start);
    if (claimed.length === 0) return { claimed: 0, sent: 0, retried: 0, failed: 0 };
    needsRecovery = true; // until this pass has settled every row it claimed
    const outcomes = new Map<number, EntryOutcome>();
    const confirmed = new Map<number, ChainReceipt>();
    let chainDown: ChainUnavailableError | null = null;
    let nonceDirty = false;

    const retry = (entry: ClaimedEntry, err: unknown, keepTx: boolean): void => {
      const attempt = entry.attempts + 1;
      const text = message(err);
      if (!keepTx && attempt >= maxAttempts) {
        outcomes.set(entry.id, { id: entry.id, status: 'failed', error: `gave up after ${attempt} attempts: ${text}`, txHash: null, blockNumber: null });
        return;
      }
      outcomes.set(entry.id, { id: entry.id, status: 'retry', error: text, nextAttemptAt: new Date(now() + backoff(attempt)), keepTx });
    };
    const fail = (entry: ClaimedEntry, err: unknown, receipt?: { txHash?: string; blockNumber?: number }): void => {
      outcomes.set(entry.id, { id: entry.id, status: 'failed', error: message(err), txHash: receipt?.txHash ?? null, blockNumber: receipt?.blockNumber ?? null });
    };

    // 1. Rows whose transaction may be on the wire: look up, else re-broadcast, in nonce order.
    const inFlight = claimed.filter((e) => e.signedTx && e.txHash);
    const fresh = claimed.filter((e) => !(e.signedTx && e.txHash));
    const awaiting: Array<{ entry: ClaimedEntry; txHash: string }> = [];
    const byNonce = inFlight
      .map((entry) => ({ entry, nonce: nonceOf(entry.signedTx!) }))
      .sort((a, b) => a.nonce - b.nonce || a.entry.id - b.entry.id);
    for (const { entry } of byNonce) {
      const txHash = entry.txHash!;
      if (chainDown) {
        retry(entry, chainDown, true);
        continue;
      }
      try {
        const receipt = await sender.lookupReceipt(txHash);
        if (receipt) {
          confirmed.set(entry.id, receipt);
          continue;
        }
        await sender.broadcast(entry.signedTx!);
        awaiting.push({ entry, txHash });
      } catch (err) {
        if (err instanceof ChainRejectedError) {
          fail(entry, err, { txHash });
        } else if (err instanceof ChainUnavailableError && err.details.code === 'NONCE_EXPIRED') {
          // The nonce is used. By this transaction (mined meanwhile) or by another one?
          try {
            const receipt = await sender.lookupReceipt(txHash);
            if (receipt) confirmed.set(entry.id, receipt);
            else fresh.push(entry); // can never be mined now: sign the record again
          } catch (lookupErr) {
            if (lookupErr instanceof ChainRejectedError) fail(entry, lookupErr, { txHash });
            else {
              chainDown = lookupErr instanceof ChainUnavailableError ? lookupErr : new ChainUnavailableError(message(lookupErr));
              retry(entry, lookupErr, true);
            }
          }
        } else {
          chainDown = err instanceof ChainUnavailableError ? err : new ChainUnavailableError(message(err), { cause: err });
          retry(entry, err, true);
        }
      }
    }

    // 2. Sign fresh rows in id order, store the signed transactions, then broadcast them.
    fresh.sort((a, b) => a.id - b.id);
    const signed: Array<{ entry: ClaimedEntry; tx: PreparedChainTx }> = [];
    const downBeforeSigning = chainDown;
    const toSign = chainDown ? [] : fresh;
    if (chainDown) for (const entry of fresh) retry(entry, chainDown, entry.txHash !== null);
    const prepared = toSign.length > 0 ? await sender.prepareMany(toSign.map(requestOf)) : [];
    prepared.forEach((outcome, i) => {
      const entry = toSign[i];
      if (outcome.ok) signed.push({ entry, tx: outcome.tx });
      else if (outcome.error instanceof ChainRejectedError) fail(entry, outcome.error);
      else {
        chainDown ??= outcome.error;
        retry(entry, outcome.error, entry.txHash !== null);
      }
    });
    if (signed.length > 0) {
      chainId ??= signed[0].tx.chainId;
      let stored: Set<number>;
      try {
        stored = await storeSignedTransactions(
          orm,
          signed.map(({ entry, tx }) => ({ id: entry.id, previousTxHash: entry.txHash, txHash: tx.txHash, raw: tx.raw })),
        );
      } catch (err) {
        // Nothing of these was broadcast; their nonces are free again.
        await sender.resetNonce();
        throw err;
      }
      // Broadcast in nonce order; after the first failure nothing more goes out this pass, and
      // the rows not broadcast drop their stored transaction (it never left this process).
      // Signing stops at its first failure, so what was signed is a gap-free run worth sending.
      let halted: unknown = downBeforeSigning;
      for (const { entry, tx } of signed) {
        if (!stored.has(entry.id)) {
          nonceDirty = true;
          logger.error({ outboxId: entry.id }, 'chain outbox: row changed under the worker; is a second worker draining this database?');
          outcomes.delete(entry.id);
          continue;
        }
        if (halted) {
          nonceDirty = true;
          retry(entry, halted, false);
          continue;
        }
        try {
          await sender.broadcast(tx.raw);
          awaiting.push({ entry, txHash: tx.txHash });
        } catch (err) {
          nonceDirty = true;
          halted = err;
          if (err instanceof ChainRejectedError) fail(entry, err, { txHash: tx.txHash });
          else {
            chainDown = err instanceof ChainUnavailableError ? err : new ChainUnavailableError(message(err), { cause: err });
            retry(entry, err, true); // it may have reached the node
          }
        }
      }
    }
    if (chainDown || nonceDirty) await sender.resetNonce();

    // 3. Receipts, concurrently.
    await Promise.all(
      awaiting.map(async ({ entry, txHash }) => {
        try {
          confirmed.set(entry.id, await sender.waitForReceipt(txHash, receiptTimeoutMs));
        } catch (err) {
          if (err instanceof ChainRejectedError) fail(entry, err, { txHash });
          else retry(entry, err, true);
        }
      }),
    );
    for (const [id, receipt] of confirmed) outcomes.set(id, { id, status: 'sent', txHash: receipt.txHash, blockNumber: receipt.blockNumber });

    const settled = [...outcomes.values()];
    await settleEntries(orm, settled, new Date(now()));
    // Rows skipped above (changed under us) stay in `sending`; recovery picks them up.
    needsRecovery = settled.length < claimed.length;

    const result: DrainResult = { claimed: claimed.length, sent: 0, retried: 0, failed: 0 };
    const entries = new Map(claimed.map((e) => [e.id, e]));
    for (const o of settled) {
      if (o.status === 'sent') result.sent++;
      else if (o.status === 'retry') result.retried++;
      else result.failed++;
      if (o.status !== 'sent') {
        counters.lastError = o.error;
        logger[o.status === 'failed' ? 'error' : 'warn']({ outboxId: o.id, error: o.error }, o.status === 'failed' ? 'chain entry failed' : 'chain entry will be retried');
      }
    }
    counters.sent += result.sent;
    counters.retried += result.retried;
    counters.failed += result.failed;
    if (result.sent > 0) counters.lastSentAt = now();
    if (chainId === undefined && result.sent > 0) {
      chainId = await sender.status().then((s) => s.chainId, () => undefined);
    }
    for (const o of settled) {
      if (o.status !== 'sent') continue;
      const entry = entries.get(o.id)!;
      const event: ChainEntrySent = {
        outboxId: o.id,
        kind: entry.kind,
        record: entry.record,
        txHash: o.txHash,
        blockNumber: o.blockNumber,
        explorerUrl: chainId === undefined ? undefined : explorerTxUrl(chainId, o.txHash),
        latencyMs: now() - entry.createdAt.getTime(),
      };
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          logger.error({ err, outboxId: o.id }, 'chain onSent listener threw');
        }
      }
    }
    return result;
  }

  function drainOnce(): Promise<DrainResult> {
    const pass = passChain.then(runPass);
    passChain = pass.then(
      (r) => {
        counters.passes++;
        return r;
      },
      () => undefined,
    );
    return pass;
  }

  function sleep(ms: number): Promise<void> {
    if (wakeRequested) {
      wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });
  }

  async function runLoop(): Promise<void> {
    while (!stopping) {
      let full = false;
      try {
        const result = await drainOnce();
        // A full batch that went through means more may be due right away.
        full = result.claimed >= batchSize && result.retried === 0;
      } catch (err) {
        counters.lastError = message(err);
        logger.error({ err }, 'chain outbox pass failed');
      }
      if (!stopping && !full) await sleep(pollIntervalMs);
    }
  }

  return {
    enabled: true,

    async start() {
      if (loop) return;
      stopping = false;
      counters.running = true;
      loop = runLoop().finally(() => {
        counters.running = false;
      });
    },

    async stop() {
      stopping = true;
      wakeUp?.();
      await loop;
      loop = null;
      await passChain;
    },

    drainOnce,

    wake() {
      if (wakeUp) wakeUp();
      else wakeRequested = true;
    },

    stats: () => ({ ...counters }),

    backlog: () => countEntriesByStatus(orm),

    onSent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Nonce of a stored signed transaction (0 when it cannot be parsed: it is then just re-sent first). */
function nonceOf(raw: string): number {
  try {
    return Transaction.from(raw).nonce;
  } catch {
    return 0;
  }
}
