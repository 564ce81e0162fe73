/**
 * The ChainLogger: one worker that drains `chain_outbox` onto HashKey Chain, exactly once.
 *
 * Each pass (delivery-pass.ts) claims due rows, looks up or re-broadcasts the ones whose signed
 * transaction may already be on the wire, signs fresh ones, commits the signed transactions to
 * the database and only then broadcasts them, and settles every row in one transaction. A crash
 * at any point therefore leaves either an unsigned row (sent later) or a row with its
 * transaction stored (checked, never duplicated). `ChainUnavailableError` → back to `pending`
 * with exponential backoff; `ChainRejectedError` → `failed` with the reason, no retry.
 * This module runs the passes in the background (drain-loop.ts), keeps the counters and tells
 * `onSent` listeners about each confirmed entry.
 *
 * Nothing runs until `start()`. One running ChainLogger per database (one signer, one worker): with
 * several hub replicas only the leader starts it (src/hub/cluster/leadership.ts).
 */
import type { Logger } from 'pino';

import type { Orm } from '../../db/orm.js';
import { exponentialBackoff, type Backoff } from './backoff.js';
import type { ChainSender } from './chain-sender.js';
import { createDeliveryPass, type DeliveredBatch } from './delivery-pass.js';
import { createDrainLoop } from './drain-loop.js';
import type { DecisionRecord, TradeRecord } from './encoding.js';
import { errorText } from './errors.js';
import { explorerTxUrl } from './networks.js';
import { countEntriesByStatus, type ChainEntryKind } from './outbox.js';

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
  /**
   * Recovers rows a previous worker left in `sending` (another process, or a leader that died),
   * forgets the nonce count (another replica may have sent since), then drains in the background.
   */
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
  /** The signer wallet's balance in wei, asked from the node; null for the disabled logger. Throws `ChainUnavailableError` when unreachable. */
  signerBalanceWei(): Promise<bigint | null>;
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
    signerBalanceWei: async () => null,
    onSent: () => () => undefined,
  };
}

export function createChainLogger(options: ChainLoggerOptions): ChainLogger {
  const { orm, sender, logger } = options;
  const now = options.now ?? Date.now;
  const batchSize = options.batchSize ?? 50;
  const listeners = new Set<ChainSentListener>();
  const counters: PassCounters = { sent: 0, retried: 0, failed: 0, lastError: null, lastSentAt: null };
  let chainId = options.chainId;
  const deliverDueEntries = createDeliveryPass({
    orm,
    sender,
    logger,
    now,
    batchSize,
    backoff: options.backoff ?? exponentialBackoff(),
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
    receiptTimeoutMs: options.receiptTimeoutMs ?? 60_000,
    onSigned: (id) => {
      chainId ??= id;
    },
  });

  async function runPass(): Promise<DrainResult> {
    const batch = await deliverDueEntries();
    const result = countPass(batch, counters, logger);
    if (result.sent > 0) counters.lastSentAt = now();
    if (chainId === undefined && result.sent > 0) {
      chainId = await sender.status().then(
        (s) => s.chainId,
        () => undefined,
      );
    }
    notifySent(batch, { listeners, logger, chainId, now });
    return result;
  }

  const drain = createDrainLoop({
    runPass,
    pollIntervalMs: options.pollIntervalMs ?? 1_000,
    // A full batch that went through means more may be due right away.
    moreDue: (result) => result.claimed >= batchSize && result.retried === 0,
    onPassError: (err) => {
      counters.lastError = errorText(err);
      logger.error({ err }, 'chain outbox pass failed');
    },
  });

  return {
    enabled: true,
    async start() {
      deliverDueEntries.recoverNext();
      await sender.resetNonce().catch((err: unknown) => logger.warn({ err }, 'chain nonce reset failed; the first pass retries'));
      drain.start();
    },
    stop: () => drain.stop(),
    drainOnce: () => drain.drainOnce(),
    wake: () => drain.wake(),
    stats: () => ({ enabled: true, running: drain.running, passes: drain.passes, ...counters }),
    backlog: () => countEntriesByStatus(orm),
    signerBalanceWei: async () => (await sender.status()).balanceWei,
    onSent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The counters a pass adds to (see `ChainLoggerStats`). */
type PassCounters = Pick<ChainLoggerStats, 'sent' | 'retried' | 'failed' | 'lastError' | 'lastSentAt'>;

/** Counts the settled rows into the pass result and the running counters; logs each unsent row. */
function countPass({ claimed, settled }: DeliveredBatch, counters: PassCounters, logger: ChainLoggerOptions['logger']): DrainResult {
  const result: DrainResult = { claimed: claimed.length, sent: 0, retried: 0, failed: 0 };
  for (const o of settled) {
    if (o.status === 'sent') result.sent++;
    else if (o.status === 'retry') result.retried++;
    else result.failed++;
    if (o.status !== 'sent') {
      counters.lastError = o.error;
      logger[o.status === 'failed' ? 'error' : 'warn'](
        { outboxId: o.id, error: o.error },
        o.status === 'failed' ? 'chain entry failed' : 'chain entry will be retried',
      );
    }
  }
  counters.sent += result.sent;
  counters.retried += result.retried;
  counters.failed += result.failed;
  return result;
}

/** Calls every listener for each confirmed row, after its settlement was committed; a throwing listener is logged. */
function notifySent(
  { claimed, settled }: DeliveredBatch,
  ctx: { listeners: Set<ChainSentListener>; logger: ChainLoggerOptions['logger']; chainId: number | undefined; now: () => number },
): void {
  const entries = new Map(claimed.map((e) => [e.id, e]));
  for (const o of settled) {
    if (o.status !== 'sent') continue;
    const entry = entries.get(o.id)!;
    const event: ChainEntrySent = {
      outboxId: o.id,
      kind: entry.kind,
      record: entry.record,
      txHash: o.txHash,
      blockNumber: o.blockNumber,
      explorerUrl: ctx.chainId === undefined ? undefined : explorerTxUrl(ctx.chainId, o.txHash),
      latencyMs: ctx.now() - entry.createdAt.getTime(),
    };
    for (const listener of ctx.listeners) {
      try {
        listener(event);
      } catch (err) {
        ctx.logger.error({ err, outboxId: o.id }, 'chain onSent listener threw');
      }
    }
  }
}
