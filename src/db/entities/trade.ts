/**
 * One position from open to close. Prices in quote currency, qty in base units,
 * fees and PnL in quote currency (PnL net of fees).
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { SignalValue } from '../../shared/wire.js';
import { AgentSchema } from './agent.js';

export const TRADE_SIDES = ['long', 'short'] as const;
export type TradeSide = (typeof TRADE_SIDES)[number];

export const TradeSchema = defineEntity({
  name: 'Trade',
  tableName: 'trades',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => crypto.randomUUID()),
    agent: () => p.manyToOne(AgentSchema).deleteRule('cascade'),
    side: p.enum([...TRADE_SIDES]),
    qty: p.double().runtimeType('number').$type<number>(),
    leverage: p.integer().default(1),
    margin: p.double().runtimeType('number').$type<number>().default(0),
    entryPrice: p.double().runtimeType('number').$type<number>(),
    exitPrice: p.double().runtimeType('number').$type<number>().nullable(),
    liquidationPrice: p.double().runtimeType('number').$type<number>().nullable(),
    fees: p.double().runtimeType('number').$type<number>().default(0),
    pnl: p.double().runtimeType('number').$type<number>().nullable(),
    status: p.enum(['open', 'closed']).default('open'),
    closeReason: p.string().length(64).nullable(),
    live: p.boolean().default(false),
    openedAt: p.datetime().onCreate(() => new Date()),
    closedAt: p.datetime().nullable(),
    exchangeOrderIds: p.json<string[]>().default('[]'),
    /** The agent's idempotency key of the opening order: a retried order never fills twice. */
    idempotencyKey: p.string().length(128).unique(),
    /** Idempotency key of the closing order. */
    closeIdempotencyKey: p.string().length(128).nullable().unique(),
    /**
     * Idempotency key of the decision the opening order followed from (`decisions.idempotency_key`).
     * A key, not a foreign key: the decision push may arrive after the order, and retention prunes
     * decisions. Null for trades of older agents and for the hub's own orders.
     */
    decisionKey: p.string().length(128).nullable(),
    /** The strategy signals the agent read before opening, each in [-1, 1]; null when none were sent. */
    signals: p.json<SignalValue[]>().nullable(),
  },
  indexes: [{ properties: ['agent', 'status'] }, { properties: ['agent', 'openedAt'] }],
});

export type Trade = InferEntity<typeof TradeSchema>;
