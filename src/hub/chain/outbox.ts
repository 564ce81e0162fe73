/**
 * The `chain_outbox` table as the chain logger uses it: callers enqueue records inside their own
 * transaction; the one draining worker (chain-logger.ts) claims, signs, sends and settles rows
 * through the functions below, each a short statement or transaction of its own.
 *
 * Row life cycle (the invariant that makes delivery exactly-once):
 *   pending, no tx ─claim─► sending ─sign+store tx─► sending, tx stored ─broadcast─► sent
 * A transaction is broadcast only after its signed bytes and hash are committed here, so any
 * row that may be on the wire carries its `tx_hash` and raw transaction (`payload._signedTx`).
 * Such a row is never signed afresh until the chain proves its transaction can no longer land
 * (its nonce was used by another transaction); it is re-broadcast (idempotent) instead.
 */
import type { EntityManager } from '@mikro-orm/core';

import { ChainOutboxSchema } from '../../db/entities/chain-outbox.js';
import type { Orm } from '../../db/orm.js';
import { CHAIN_CHANNEL } from '../cluster/channels.js';
import type { DecisionRecord, TradeRecord } from './encoding.js';

export type ChainEntryKind = 'decision' | 'trade';

/** Maps an outbox kind to the record it carries. */
export interface ChainEntryRecords {
  decision: DecisionRecord;
  trade: TradeRecord;
}

/**
 * Key of the signed raw transaction inside `payload` while a row may be on the wire. The table
 * has no column for it; it is removed again once the row is settled.
 */
export const SIGNED_TX_KEY = '_signedTx';

/** Thrown for an unknown kind or a payload that is not a JSON object. */
export class InvalidChainEntryError extends Error {
  override readonly name = 'InvalidChainEntryError';
}

/**
 * Queues a record for the chain. Call it with the EntityManager of the transaction that stores
 * the trade or decision (`em.transactional(...)`), so the entry exists if and only if the row it
 * logs does. Inserts immediately (within that transaction) without flushing anything else of
 * `em`. The record must be plain JSON; the caller has already hashed the long text
 * (`hashText`). Returns the outbox id.
 */
export async function enqueueChainEntry<K extends ChainEntryKind>(
  em: EntityManager,
  kind: K,
  record: ChainEntryRecords[K],
): Promise<number> {
  if (kind !== 'decision' && kind !== 'trade') throw new InvalidChainEntryError(`unknown chain entry kind: ${String(kind)}`);
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new InvalidChainEntryError('chain entry record must be a JSON object');
  }
  const now = new Date();
  const id = await em.insert(ChainOutboxSchema, {
    kind,
    payload: JSON.parse(JSON.stringify(record)) as Record<string, unknown>,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
  });
  // Delivered at commit: the leader's worker (maybe on another replica) wakes for it.
  await em.getConnection().execute(`select pg_notify('${CHAIN_CHANNEL}', '')`, [], 'run', em.getTransactionContext());
  return Number(id);
}

/** A row claimed by the worker (status `sending`). */
export interface ClaimedEntry {
  id: number;
  kind: ChainEntryKind;
  /** The record, without the signed transaction. */
  record: DecisionRecord | TradeRecord;
  attempts: number;
  createdAt: Date;
  /** Set when a transaction for this row was signed and stored: it may be on the wire. */
  txHash: string | null;
  signedTx: string | null;
}

/** How a row ends one delivery pass. */
export type EntryOutcome =
  | { id: number; status: 'sent'; txHash: string; blockNumber: number }
  | { id: number; status: 'retry'; error: string; nextAttemptAt: Date; keepTx: boolean }
  | { id: number; status: 'failed'; error: string; txHash: string | null; blockNumber: number | null };

interface OutboxRow {
  id: string | number;
  kind: ChainEntryKind;
  payload: Record<string, unknown> | string;
  attempts: number;
  created_at: Date | string;
  tx_hash: string | null;
}

/** Runs `fn` in a short transaction of its own and returns its result. */
async function inTransaction<T>(orm: Orm, fn: (run: (sql: string, params?: unknown[]) => Promise<unknown>) => Promise<T>): Promise<T> {
  return orm.em.fork().transactional(async (em) => {
    const connection = em.getConnection();
    const ctx = em.getTransactionContext<unknown>(); // opaque here: only handed back to execute
    return fn((sql, params = []) => connection.execute(sql, params, 'all', ctx));
  });
}

function toClaimed(row: OutboxRow): ClaimedEntry {
  const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as Record<string, unknown>) : row.payload;
  const { [SIGNED_TX_KEY]: signed, ...record } = payload;
  return {
    id: Number(row.id),
    kind: row.kind,
    record: record as unknown as DecisionRecord | TradeRecord,
    attempts: row.attempts,
    createdAt: new Date(row.created_at),
    txHash: row.tx_hash,
    signedTx: typeof signed === 'string' && row.tx_hash ? signed : null,
  };
}

/**
 * Claims up to `limit` due `pending` rows in id order (`for update skip locked`), marks them
 * `sending` and commits. Other transactions never wait on the worker.
 */
export async function claimDueEntries(orm: Orm, limit: number, now: Date): Promise<ClaimedEntry[]> {
  const rows = await inTransaction(orm, async (run) => {
    const due = (await run(
      `select id from chain_outbox where status = 'pending' and next_attempt_at <= ?::timestamptz
       order by id limit ? for update skip locked`,
      [now.toISOString(), limit],
    )) as Array<{ id: string | number }>;
    if (due.length === 0) return [];
    return (await run(
      `update chain_outbox set status = 'sending' where id in (${due.map(() => '?').join(', ')})
       returning id, kind, payload, attempts, created_at, tx_hash`,
      due.map((r) => Number(r.id)),
    )) as OutboxRow[];
  });
  return rows.map(toClaimed).sort((a, b) => a.id - b.id);
}

/**
 * Stores signed transactions before they are broadcast, in one transaction. A row is updated
 * only while it is still `sending` with the tx hash the worker saw when it claimed it
 * (`previousTxHash`); returns the ids actually stored — only those may be broadcast.
 */
export async function storeSignedTransactions(
  orm: Orm,
  signed: Array<{ id: number; previousTxHash: string | null; txHash: string; raw: string }>,
): Promise<Set<number>> {
  if (signed.length === 0) return new Set();
  const stored = await inTransaction(orm, async (run) => {
    const ids: number[] = [];
    for (const s of signed) {
      const rows = (await run(
        `update chain_outbox
            set tx_hash = ?, payload = jsonb_set(payload, '{${SIGNED_TX_KEY}}', to_jsonb(?::text))
          where id = ? and status = 'sending' and tx_hash is not distinct from ?
          returning id`,
        [s.txHash, s.raw, s.id, s.previousTxHash],
      )) as Array<{ id: string | number }>;
      if (rows.length === 1) ids.push(s.id);
    }
    return ids;
  });
  return new Set(stored);
}

/**
 * Settles the rows of one pass in one transaction. `sent` and `failed` drop the signed
 * transaction from the payload; `retry` returns the row to `pending` with one more attempt,
 * keeping (or clearing, when `keepTx` is false) the stored transaction.
 */
export async function settleEntries(orm: Orm, outcomes: EntryOutcome[], now: Date): Promise<void> {
  if (outcomes.length === 0) return;
  const at = now.toISOString();
  await inTransaction(orm, async (run) => {
    const sent = outcomes.filter((o): o is Extract<EntryOutcome, { status: 'sent' }> => o.status === 'sent');
    if (sent.length > 0) {
      await run(
        `update chain_outbox o
            set status = 'sent', tx_hash = v.tx_hash, block_number = v.block_number, sent_at = ?::timestamptz,
                last_error = null, payload = o.payload - '${SIGNED_TX_KEY}'
           from (values ${sent.map(() => '(?::bigint, ?::text, ?::bigint)').join(', ')}) as v(id, tx_hash, block_number)
          where o.id = v.id`,
        [at, ...sent.flatMap((o) => [o.id, o.txHash, o.blockNumber])],
      );
    }
    for (const o of outcomes) {
      if (o.status === 'retry') {
        await run(
          `update chain_outbox
              set status = 'pending', attempts = attempts + 1, last_error = ?, next_attempt_at = ?::timestamptz
                  ${o.keepTx ? '' : `, tx_hash = null, payload = payload - '${SIGNED_TX_KEY}'`}
            where id = ?`,
          [o.error.slice(0, 2000), o.nextAttemptAt.toISOString(), o.id],
        );
      } else if (o.status === 'failed') {
        await run(
          `update chain_outbox
              set status = 'failed', attempts = attempts + 1, last_error = ?, tx_hash = ?, block_number = ?,
                  payload = payload - '${SIGNED_TX_KEY}'
            where id = ?`,
          [o.error.slice(0, 2000), o.txHash, o.blockNumber, o.id],
        );
      }
    }
  });
}

/**
 * Returns rows left in `sending` (by a crash, or a pass that lost its database connection) to
 * `pending`, due now. Their stored transactions, if any, stay: the next pass checks and
 * re-broadcasts them instead of signing again. Only safe while no other worker drains this
 * database. Returns how many rows were recovered.
 */
export async function recoverInterruptedEntries(orm: Orm, now: Date): Promise<number> {
  const rows = (await orm.em
    .fork()
    .getConnection()
    .execute(`update chain_outbox set status = 'pending', next_attempt_at = ?::timestamptz where status = 'sending' returning id`, [
      now.toISOString(),
    ])) as unknown[];
  return rows.length;
}

/** Row counts per status, for health and stats. */
export async function countEntriesByStatus(orm: Orm): Promise<Record<'pending' | 'sending' | 'sent' | 'failed', number>> {
  const rows = (await orm.em
    .fork()
    .getConnection()
    .execute(`select status, count(*)::int as n from chain_outbox group by status`)) as Array<{ status: string; n: number }>;
  const counts = { pending: 0, sending: 0, sent: 0, failed: 0 };
  for (const r of rows) if (r.status in counts) counts[r.status as keyof typeof counts] = Number(r.n);
  return counts;
}

/**
 * Entries not yet on chain (`pending` or `sending`) and when the oldest of them was written
 * (null when none): the outbox's depth and lag, for the operator (metrics, /admin).
 */
export async function outboxLag(orm: Orm): Promise<{ waiting: number; oldestAt: Date | null }> {
  const [row] = (await orm.em
    .fork()
    .getConnection()
    .execute(`select count(*)::int as n, min(created_at) as oldest from chain_outbox where status in ('pending', 'sending')`)) as Array<{
    n: number;
    oldest: Date | string | null;
  }>;
  return { waiting: Number(row?.n ?? 0), oldestAt: row?.oldest ? new Date(row.oldest) : null };
}

/** A trade's chain entry that was confirmed: which event it logged and its transaction. */
export interface SentTradeEntry {
  /** The trade event the entry logged. */
  event: 'open' | 'close';
  txHash: string;
  blockNumber: number | null;
}

/**
 * The confirmed (`sent`, with a tx hash) chain entries of trade `tradeId` of agent `agentId`, in
 * outbox order (the open's before the close's). The trade id is found in the record's detail
 * JSON, whose canonical form (src/hub/broker/trade-detail.ts, `JSON.stringify`) writes it as
 * `"tradeId":"<id>"`.
 */
export async function sentTradeEntries(em: EntityManager, agentId: string, tradeId: string): Promise<SentTradeEntry[]> {
  const rows = (await em.getConnection().execute(
    `select payload->>'side' as side, tx_hash, block_number from chain_outbox
      where kind = 'trade' and status = 'sent' and tx_hash is not null
        and payload->>'agentId' = ? and payload->>'detail' like ? order by id`,
    [
      agentId,
      `%${JSON.stringify({ tradeId })
        .slice(1, -1)
        .replace(/[\\%_]/g, '\\$&')}%`,
    ],
  )) as Array<{ side: string | null; tx_hash: string; block_number: string | number | null }>;
  return rows.map((r) => ({
    event: r.side?.startsWith('CLOSE') ? 'close' : 'open',
    txHash: r.tx_hash,
    blockNumber: r.block_number === null ? null : Number(r.block_number),
  }));
}
