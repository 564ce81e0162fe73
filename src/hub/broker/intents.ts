/**
 * The one door to `order_intents` (see src/db/entities/order-intent.ts): every query the broker
 * and its reconciler make on it. All run in the caller's EntityManager (its transaction).
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { OrderIntentSchema, type Agent, type OrderIntent, type OrderIntentStatus } from '../../db/entities/index.js';
import type { OrderRequest } from '../../shared/wire.js';
import type { MarketOrderRequest } from '../exchange/exchange.js';
import { IdempotencyKeyConflictError } from './errors.js';

/** The intent placed under `clientOrderId`, if any; `lock`: `select … for update`. */
export function intentByKey(em: EntityManager, clientOrderId: string, lock = false): Promise<OrderIntent | null> {
  return em.findOne(OrderIntentSchema, { clientOrderId }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
}

/** Intent `intentId`, read without a lock; throws when there is none. */
export function intentById(em: EntityManager, intentId: string): Promise<OrderIntent> {
  return em.findOneOrFail(OrderIntentSchema, { id: intentId });
}

/**
 * Intent `intentId`, locked until the caller's transaction ends (`select … for update`); throws
 * when there is none. `refresh`: re-read from the row even when this EntityManager holds it.
 */
export function lockIntent(em: EntityManager, intentId: string, refresh = false): Promise<OrderIntent> {
  return em.findOneOrFail(
    OrderIntentSchema,
    { id: intentId },
    refresh ? { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true } : { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
}

/** Throws `IdempotencyKeyConflictError` when `order` reuses the key of another order's intent. */
export function checkSameOrder(intent: OrderIntent, agentId: string, order: OrderRequest): void {
  const key = intent.clientOrderId;
  if (intent.agentId !== agentId) throw new IdempotencyKeyConflictError(key, 'was already used by another agent');
  if (intent.action !== order.action)
    throw new IdempotencyKeyConflictError(key, `was already used for ${intent.action === 'open' ? 'an open' : 'a close'}`);
  if (order.side && intent.order.side && order.side !== intent.order.side)
    throw new IdempotencyKeyConflictError(key, `was already used to open a ${intent.order.side}`);
}

/** The agent's order that is out at the exchange (at most one: a partial unique index). */
export function pendingIntentOf(em: EntityManager, agentId: string): Promise<OrderIntent | null> {
  return em.findOne(OrderIntentSchema, { agentId, status: 'pending' });
}

/** Every intent whose outcome is not recorded yet, oldest first. */
export function pendingIntents(em: EntityManager): Promise<OrderIntent[]> {
  return em.find(OrderIntentSchema, { status: 'pending' }, { orderBy: { createdAt: 'asc' } });
}

/**
 * Writes the intent to place `request` for `agent` (flushed, not committed: the caller commits
 * before calling the exchange). A failed intent under the same key is reused: the exchange
 * certainly holds no execution for it, so placing it again cannot trade twice.
 */
export async function writeIntent(
  em: EntityManager,
  agent: Agent,
  order: OrderRequest,
  request: MarketOrderRequest,
  tradeId: string,
  failed: OrderIntent | null,
): Promise<OrderIntent> {
  const fields = {
    agentId: agent.id,
    owner: agent.owner,
    agentName: agent.name,
    symbol: request.symbol,
    action: order.action,
    side: request.side,
    quantity: request.quantity,
    tradeId,
    order,
    status: 'pending' as const,
    error: null,
  };
  const intent = failed
    ? em.assign(failed, fields)
    : em.create(OrderIntentSchema, { id: crypto.randomUUID(), clientOrderId: request.clientOrderId, ...fields });
  await em.flush();
  return intent;
}

/** Ends a pending intent (`done`, `failed`, `orphaned`), with the reason when it did not fill. */
export async function settleIntent(
  em: EntityManager,
  intent: OrderIntent,
  status: Exclude<OrderIntentStatus, 'pending'>,
  error: string | null = null,
): Promise<void> {
  intent.status = status;
  intent.error = error;
  await em.flush();
}
