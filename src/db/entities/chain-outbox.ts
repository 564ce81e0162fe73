/** Entries waiting to be logged on HashKey Chain; drained by one worker (exactly once). */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const CHAIN_OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;

export const ChainOutboxSchema = defineEntity({
  name: 'ChainOutbox',
  tableName: 'chain_outbox',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    kind: p.enum(['decision', 'trade']),
    payload: p.json<Record<string, unknown>>(),
    status: p.enum([...CHAIN_OUTBOX_STATUSES]).default('pending'),
    txHash: p.string().length(66).nullable(),
    blockNumber: p.bigint('number').nullable(),
    attempts: p.integer().default(0),
    lastError: p.text().nullable(),
    nextAttemptAt: p.datetime().onCreate(() => new Date()),
    createdAt: p.datetime().onCreate(() => new Date()),
    sentAt: p.datetime().nullable(),
  },
  indexes: [{ properties: ['status', 'nextAttemptAt'] }],
});

export type ChainOutbox = InferEntity<typeof ChainOutboxSchema>;
