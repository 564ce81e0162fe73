/**
 * PostgreSQL NOTIFY channels between hub replicas. A replica that writes a row only the leader
 * acts on NOTIFYs after the write; the leader LISTENs on its lock session (./leader.ts) and wakes
 * the worker at once instead of at its next poll. A notification is only a hint: the workers
 * read the table, so a lost one costs a poll interval, never a row.
 */

/** A bot message was written to `outbound_messages`. */
export const OUTBOX_CHANNEL = 'artic_outbox';

/** A chain entry was written to `chain_outbox` (notified inside the writing transaction, so at its commit). */
export const CHAIN_CHANNEL = 'artic_chain';
