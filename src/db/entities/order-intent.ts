/**
 * A live order the broker is about to place, or has placed, at the exchange: written and
 * committed BEFORE the exchange is called, so a crash at any step leaves a row that the
 * reconciler (src/hub/broker/live-reconcile.ts) resolves by `clientOrderId` against the exchange.
 *
 * `pending` → the exchange call is out, or its outcome is not known yet;
 * `done`    → the fill is recorded (the trade row names the same key);
 * `failed`  → the exchange certainly holds no execution for this id (refused, not found once no
 *             request can arrive any more, or ended unfilled);
 * `orphaned`→ it filled, but the agent was deleted meanwhile: nothing to book it on; `error`
 *             says what the exchange holds (the owner was told).
 * Paper orders never have an intent (no outside call to survive).
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { OrderRequest } from '../../shared/wire.js';
import { UserSchema } from './user.js';

export const ORDER_INTENT_STATUSES = ['pending', 'done', 'failed', 'orphaned'] as const;
export type OrderIntentStatus = (typeof ORDER_INTENT_STATUSES)[number];

export const OrderIntentSchema = defineEntity({
  name: 'OrderIntent',
  tableName: 'order_intents',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => crypto.randomUUID()),
    /** Sent as the exchange's client order id; the agent's idempotency key of the order. */
    clientOrderId: p.string().length(128).unique(),
    /**
     * The agent's id, without a foreign key: the row outlives a deleted agent (it may describe
     * money at the exchange that no agent tracks any more).
     */
    agentId: p.uuid(),
    owner: () => p.manyToOne(UserSchema).deleteRule('cascade'),
    /** The agent's name when the order was placed, for the owner's alert after a delete. */
    agentName: p.string().length(64),
    /** Exchange symbol, e.g. `BTCUSDT`. */
    symbol: p.string().length(32),
    action: p.enum(['open', 'close']),
    side: p.enum(['BUY', 'SELL']),
    /** Base quantity asked for, before the venue rounds it to its step. */
    quantity: p.double().runtimeType('number').$type<number>(),
    /** The trade this order opens (its id fixed up front) or closes. */
    tradeId: p.uuid(),
    /** The agent's order as received (reason, TP/SL), to finish it after a restart. */
    order: p.json<OrderRequest>(),
    status: p.enum([...ORDER_INTENT_STATUSES]).default('pending'),
    /** Why it failed or was orphaned, in the owner's words. */
    error: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  indexes: [{ properties: ['status'] }],
  // At most one order of an agent is out at a time (the broker checks it under the row lock;
  // this is the last guard): a second open or close can never race the first one's fill.
  uniques: [
    {
      name: 'order_intents_one_pending_per_agent',
      expression: `create unique index "order_intents_one_pending_per_agent" on "order_intents" ("agent_id") where "status" = 'pending'`,
    },
  ],
});

export type OrderIntent = InferEntity<typeof OrderIntentSchema>;
